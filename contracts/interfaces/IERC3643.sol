// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IGuardianPausable} from "./IGuardianPausable.sol";
import {IIdentityRegistry} from "./IIdentityRegistry.sol";

/**
 * @title IERC3643
 * @notice The token interface of ERC-3643 (T-REX `IToken`): every function and event with the
 * standard's signatures, so ERC-3643 tooling can read and operate the token. `identityRegistry`
 * and `compliance` return addresses in the ABI; here they are this system's registry and the
 * contract that judges transfers (the compliance hook, or the token itself when it has none).
 */
interface IERC3643 is IERC20Metadata, IGuardianPausable {
    /// @notice Name, symbol or on-chain identity changed.
    event UpdatedTokenInformation(
        string _newName,
        string _newSymbol,
        uint8 _newDecimals,
        string _newVersion,
        address _newOnchainID
    );
    /// @notice The identity registry was set.
    event IdentityRegistryAdded(address indexed _identityRegistry);
    /// @notice The compliance contract was set.
    event ComplianceAdded(address indexed _compliance);
    /// @notice A lost wallet's tokens moved to a new wallet of the same investor.
    event RecoverySuccess(address indexed _lostWallet, address indexed _newWallet, address indexed _investorOnchainID);
    /// @notice A wallet was frozen or unfrozen as a whole.
    event AddressFrozen(address indexed _userAddress, bool indexed _isFrozen, address indexed _owner);
    /// @notice Part of a wallet's tokens was frozen.
    event TokensFrozen(address indexed _userAddress, uint256 _amount);
    /// @notice Part of a wallet's frozen tokens was unfrozen.
    event TokensUnfrozen(address indexed _userAddress, uint256 _amount);

    /// @notice Sets the token's name (admin).
    function setName(string calldata _name) external;

    /// @notice Sets the token's symbol (admin).
    function setSymbol(string calldata _symbol) external;

    /// @notice Sets the token issuer's on-chain identity (admin).
    function setOnchainID(address _onchainID) external;

    /// @notice Freezes or unfreezes every token of `_userAddress`.
    function setAddressFrozen(address _userAddress, bool _freeze) external;

    /// @notice Freezes `_amount` of `_userAddress`'s tokens.
    function freezePartialTokens(address _userAddress, uint256 _amount) external;

    /// @notice Unfreezes `_amount` of `_userAddress`'s frozen tokens.
    function unfreezePartialTokens(address _userAddress, uint256 _amount) external;

    /// @notice Replaces the identity registry (admin); allowed only while the supply is zero.
    function setIdentityRegistry(address _identityRegistry) external;

    /// @notice Sets the contract that judges transfers after the built-in rules (compliance).
    function setCompliance(address _compliance) external;

    /// @notice Moves tokens regardless of freezes, lock-ups and rules (court orders); `_to` must be verified.
    function forcedTransfer(address _from, address _to, uint256 _amount) external returns (bool);

    /// @notice Issues `_amount` to `_to`; the recipient must pass every rule.
    function mint(address _to, uint256 _amount) external;

    /// @notice Redeems `_amount` from `_userAddress`.
    function burn(address _userAddress, uint256 _amount) external;

    /// @notice Moves everything `_lostWallet` holds to `_newWallet`, a verified wallet of the same
    /// investor, whose on-chain identity in the registry must be `_investorOnchainID`.
    function recoveryAddress(
        address _lostWallet,
        address _newWallet,
        address _investorOnchainID
    ) external returns (bool);

    /// @notice Transfers to several recipients from the caller; all or none.
    function batchTransfer(address[] calldata _toList, uint256[] calldata _amounts) external;

    /// @notice `forcedTransfer` for several pairs; all or none.
    function batchForcedTransfer(
        address[] calldata _fromList,
        address[] calldata _toList,
        uint256[] calldata _amounts
    ) external;

    /// @notice `mint` for several recipients; all or none.
    function batchMint(address[] calldata _toList, uint256[] calldata _amounts) external;

    /// @notice `burn` for several wallets; all or none.
    function batchBurn(address[] calldata _userAddresses, uint256[] calldata _amounts) external;

    /// @notice `setAddressFrozen` for several wallets; all or none.
    function batchSetAddressFrozen(address[] calldata _userAddresses, bool[] calldata _freeze) external;

    /// @notice `freezePartialTokens` for several wallets; all or none.
    function batchFreezePartialTokens(address[] calldata _userAddresses, uint256[] calldata _amounts) external;

    /// @notice `unfreezePartialTokens` for several wallets; all or none.
    function batchUnfreezePartialTokens(address[] calldata _userAddresses, uint256[] calldata _amounts) external;

    /// @notice The token issuer's on-chain identity, or zero.
    function onchainID() external view returns (address);

    /// @notice The implementation's version.
    function version() external view returns (string memory);

    /// @notice The participant registry that verifies holders.
    function identityRegistry() external view returns (IIdentityRegistry);

    /// @notice The contract that judges transfers: the compliance hook, or this token without one.
    function compliance() external view returns (address);

    /// @notice Whether every token of `_userAddress` is frozen.
    function isFrozen(address _userAddress) external view returns (bool);

    /// @notice How many of `_userAddress`'s tokens are partly frozen.
    function getFrozenTokens(address _userAddress) external view returns (uint256);
}
