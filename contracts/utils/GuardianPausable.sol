// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {IGuardianPausable} from "../interfaces/IGuardianPausable.sol";

/**
 * @title GuardianPausable
 * @notice The pause switch shared by the token, the invoice registry and settlement: holders of
 * `GUARDIAN_ROLE` pause at once, only `DEFAULT_ADMIN_ROLE` (the governance timelock) unpauses.
 * @dev The flag itself lives in each contract's own storage (`_isPaused` / `_setPaused`), packed
 * into the slot its hot path reads anyway, so checking it costs no extra storage read.
 */
abstract contract GuardianPausable is AccessControlUpgradeable, IGuardianPausable {
    /// @notice Pauses at once in an emergency; only the admin unpauses.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /// @inheritdoc IGuardianPausable
    function pause() external onlyRole(GUARDIAN_ROLE) {
        _requireNotPaused();
        _setPaused(true);
        emit Paused(msg.sender);
    }

    /// @inheritdoc IGuardianPausable
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (!_isPaused()) revert ExpectedPause();
        _setPaused(false);
        emit Unpaused(msg.sender);
    }

    /// @inheritdoc IGuardianPausable
    function paused() external view returns (bool) {
        return _isPaused();
    }

    /// @dev Reverts with `EnforcedPause` while paused.
    function _requireNotPaused() internal view {
        if (_isPaused()) revert EnforcedPause();
    }

    /// @dev Reads the flag from the inheriting contract's storage.
    function _isPaused() internal view virtual returns (bool);

    /// @dev Writes the flag into the inheriting contract's storage.
    function _setPaused(bool value) internal virtual;
}
