// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IConsortiumGovernor} from "../interfaces/IConsortiumGovernor.sol";

/**
 * @title GovernorCallRules
 * @notice The rules the consortium governor applies to a proposal's calls when it is made: which
 * class it belongs to, and which calls would brick governance and are refused.
 * @dev An external library (linked into the governor, run by DELEGATECALL in its context) so that
 * the governor stays under the 24,576-byte contract size limit on every EVM version, Berlin
 * included. Loops only over the proposal's own calls.
 */
library GovernorCallRules {
    /// @notice Longest timelock delay a proposal may set.
    uint256 internal constant MAX_TIMELOCK_DELAY = 30 days;

    bytes32 private constant DEFAULT_ADMIN_ROLE = 0x00;
    bytes32 private constant PROPOSER_ROLE = keccak256("PROPOSER_ROLE");
    bytes32 private constant CANCELLER_ROLE = keccak256("CANCELLER_ROLE");

    /**
     * @notice Whether a proposal of these calls is sensitive; reverts with the named error of the
     * first call that would remove the timelock's admin role of a contract, remove the governor's
     * proposer or canceller role, or set a timelock delay above 30 days.
     * @param sensitiveCalls (target, selector) pairs marked sensitive; target zero: any contract.
     * @param targets The proposal's targets.
     * @param calldatas The proposal's calls.
     * @param governor The governor (calls to it are sensitive).
     * @param timelock The governor's timelock (calls to it are sensitive).
     */
    function classify(
        mapping(address target => mapping(bytes4 selector => bool)) storage sensitiveCalls,
        address[] calldata targets,
        bytes[] calldata calldatas,
        address governor,
        address timelock
    ) external view returns (bool sensitive) {
        for (uint256 i = 0; i < targets.length && i < calldatas.length; ++i) {
            address target = targets[i];
            bytes calldata data = calldatas[i];
            bytes4 selector = _selector(data);
            _check(target, data, selector, governor, timelock);
            if (
                target == governor ||
                target == timelock ||
                sensitiveCalls[address(0)][selector] ||
                sensitiveCalls[target][selector]
            ) sensitive = true;
        }
    }

    /// @dev The anti-bricking rules that a call shows by itself.
    function _check(
        address target,
        bytes calldata data,
        bytes4 selector,
        address governor,
        address timelock
    ) private pure {
        if (
            (selector == IAccessControl.revokeRole.selector || selector == IAccessControl.renounceRole.selector) &&
            data.length >= 68
        ) {
            bytes32 role = _word(data, 0);
            address account = address(uint160(uint256(_word(data, 1))));
            if (role == DEFAULT_ADMIN_ROLE && account == timelock) {
                revert IConsortiumGovernor.WouldRemoveTimelockAdmin(target);
            }
            if (target == timelock && account == governor && (role == PROPOSER_ROLE || role == CANCELLER_ROLE)) {
                revert IConsortiumGovernor.WouldRemoveGovernorRole(role);
            }
        } else if (target == timelock && selector == TimelockController.updateDelay.selector && data.length >= 36) {
            uint256 delay = uint256(_word(data, 0));
            if (delay > MAX_TIMELOCK_DELAY) revert IConsortiumGovernor.TimelockDelayTooLong(delay);
        } else if (
            target == governor &&
            selector == Governor.relay.selector &&
            data.length >= 36 &&
            address(uint160(uint256(_word(data, 0)))) == timelock
        ) {
            // Acting on the timelock itself, the governor could renounce its own proposer role.
            revert IConsortiumGovernor.WouldRemoveGovernorRole(PROPOSER_ROLE);
        }
    }

    function _selector(bytes calldata data) private pure returns (bytes4) {
        return data.length < 4 ? bytes4(0) : bytes4(data[:4]);
    }

    /// @dev The `index`-th 32-byte argument of an ABI-encoded call (the caller checks the length).
    function _word(bytes calldata data, uint256 index) private pure returns (bytes32) {
        return bytes32(data[4 + 32 * index:36 + 32 * index]);
    }
}
