// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

/**
 * @title IComplianceHook
 * @notice A bespoke transfer rule a token consults after all of its built-in rules: for example a
 * per-investor daily limit or an offering-specific whitelist. Set on the token by its compliance
 * officer; the zero address means no hook.
 */
interface IComplianceHook {
    /// @notice Whether `value` may move from `from` to `to` (`from` is zero on a mint).
    function canTransfer(address from, address to, uint256 value) external view returns (bool);
}
