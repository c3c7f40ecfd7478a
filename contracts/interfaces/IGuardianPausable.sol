// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

/**
 * @title IGuardianPausable
 * @notice An emergency stop: a guardian pauses at once; only the admin (governance) resumes.
 */
interface IGuardianPausable {
    /// @notice `account` stopped the contract.
    event Paused(address account);
    /// @notice `account` resumed the contract.
    event Unpaused(address account);

    /// @notice The operation is stopped while the contract is paused.
    error EnforcedPause();
    /// @notice `unpause` was called on a contract that is not paused.
    error ExpectedPause();

    /// @notice Stops the contract's operations at once (guardian).
    function pause() external;

    /// @notice Resumes the contract's operations (admin: governance).
    function unpause() external;

    /// @notice Whether the contract is stopped.
    function paused() external view returns (bool);
}
