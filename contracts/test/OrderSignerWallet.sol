// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @notice Test-only contract wallet: signs orders through ERC-1271 with its owner's key.
contract OrderSignerWallet is IERC1271 {
    error NotOwner(address caller);

    event Approved(address indexed token, address indexed spender, uint256 amount);

    address public immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    /// @notice Approves `spender` for `amount` of `token` held by the wallet (owner only).
    function approve(IERC20 token, address spender, uint256 amount) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        emit Approved(address(token), spender, amount);
        token.approve(spender, amount);
    }

    /// @notice ERC-1271: valid when the owner signed `hash`.
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError error, ) = ECDSA.tryRecover(hash, signature);
        if (error == ECDSA.RecoverError.NoError && signer == owner) return IERC1271.isValidSignature.selector;
        return 0xffffffff;
    }
}
