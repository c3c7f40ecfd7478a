// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

/**
 * @title IERC1404
 * @notice ERC-1404 Simple Restricted Token Standard: a token tells, before a transfer, whether and
 * why it would be refused.
 */
interface IERC1404 {
    /// @notice The restriction code a transfer of `value` from `from` to `to` would get (0 = none).
    function detectTransferRestriction(address from, address to, uint256 value) external view returns (uint8);

    /// @notice A human-readable text for `restrictionCode`.
    function messageForTransferRestriction(uint8 restrictionCode) external view returns (string memory);
}
