// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {IIdentityRegistry} from "./IIdentityRegistry.sol";
import {IRedemptionObserver} from "./IRedemptionObserver.sol";
import {ISecurityToken} from "./ISecurityToken.sol";

/**
 * @title IAssetRegistry
 * @notice The directory of every asset the consortium runs (securities, fund units, the cash token)
 * and the issuance of new security tokens by governance. Each entry has a unique 12-character
 * ISIN-style code checked on chain (2 letters, 9 letters or digits, 1 Luhn check digit), an issuer
 * entity of the identity registry, a status and a terms document. Every created token is a UUPS
 * proxy of the one shared SecurityToken implementation recorded here (`tokenImplementation`).
 * As the corporate actions' redemption observer, it marks an asset redeemed when its last unit is
 * redeemed there.
 */
interface IAssetRegistry is IRedemptionObserver {
    /// @notice What an asset is.
    enum AssetKind {
        Equity,
        Bond,
        FundUnit,
        Cash,
        Other
    }

    /// @notice Where an asset is in its life. Suspended and redeemed assets' tokens are paused.
    enum AssetStatus {
        Active,
        Suspended,
        Matured,
        Redeemed
    }

    /// @notice A directory entry.
    struct Asset {
        address token; // the asset's token (a SecurityToken proxy)
        AssetKind kind;
        AssetStatus status;
        uint8 decimals; // the token's decimals
        uint64 maturity; // bonds: maturity time (unix seconds); other kinds: 0
        bytes12 code; // ISIN-style code, ASCII
        bytes32 issuer; // the issuer's entity id in the identity registry
        bytes32 termsHash; // keccak256 (or other digest) of the terms document
        string termsURI; // where the terms document is
    }

    /// @notice What governance says of an asset when it lists or creates it.
    struct AssetTerms {
        AssetKind kind;
        bytes12 code;
        bytes32 issuer;
        uint64 maturity;
        string termsURI;
        bytes32 termsHash;
    }

    /// @notice A token listed at deployment (the genesis share and cash tokens).
    struct GenesisAsset {
        address token;
        AssetTerms terms;
    }

    /// @notice The ERC-20 identity of a token to create.
    struct TokenSpec {
        string name;
        string symbol;
        uint8 decimals;
    }

    /// @notice `token` entered the directory as asset `code` (`created`: deployed by this registry).
    event AssetListed(
        address indexed token,
        bytes12 indexed code,
        bytes32 indexed issuer,
        AssetKind kind,
        uint64 maturity,
        string termsURI,
        bytes32 termsHash,
        bool created
    );
    /// @notice This registry deployed `token`, a proxy of `implementation`.
    event AssetCreated(address indexed token, address indexed implementation, string name, string symbol);
    /// @notice The status of `token` changed.
    event AssetStatusChanged(address indexed token, AssetStatus previous, AssetStatus status);
    /// @notice New assets are created with `implementation` from now on.
    event TokenImplementationSet(address indexed previous, address indexed implementation);
    /// @notice `assetRedeemed` is accepted from `corporateActions` (zero: from nobody) from now on.
    event CorporateActionsSet(address indexed previous, address indexed corporateActions);

    error ZeroAddress();
    /// @notice `code` breaks the format at `position` (0-11): 2 upper-case letters, 9 upper-case
    /// letters or digits, 1 digit.
    error AssetCodeMalformed(bytes12 code, uint256 position);
    /// @notice `code`'s last digit is not its ISIN (Luhn) check digit `expected`.
    error AssetCodeCheckDigit(bytes12 code, uint8 expected);
    /// @notice `code` is already the code of `token`.
    error AssetCodeTaken(bytes12 code, address token);
    /// @notice `token` is already in the directory.
    error AssetAlreadyListed(address token);
    error UnknownAsset(address token);
    error UnknownAssetCode(bytes12 code);
    error AssetIndexOutOfRange(uint256 index, uint256 count);
    /// @notice `issuer` is not an entity of the identity registry.
    error UnknownIssuer(bytes32 issuer);
    error ZeroIssuer();
    /// @notice A bond needs a maturity in the future.
    error MaturityRequired(uint64 maturity);
    /// @notice Only bonds have a maturity.
    error MaturityNotApplicable(AssetKind kind);
    /// @notice `token` is not a contract.
    error NotAContract(address token);
    /// @notice `token` verifies holders with `tokenRegistry`, not this directory's identity registry.
    error IdentityRegistryMismatch(address token, address tokenRegistry);
    /// @notice `implementation` is not a UUPS implementation (its proxiableUUID is not the ERC-1967 slot).
    error NotUUPSImplementation(address implementation);
    /// @notice `token` cannot go from `current` to `wanted`.
    error InvalidStatusTransition(address token, AssetStatus current, AssetStatus wanted);
    /// @notice `token` matures at `maturity`, not yet reached.
    error MaturityNotReached(address token, uint64 maturity);
    /// @notice `token` still has `supply` in circulation.
    error SupplyNotRedeemed(address token, uint256 supply);
    /// @notice `token` is still paused: its admin (the timelock) unpauses it before the resume.
    error TokenStillPaused(address token);
    /// @notice This registry lacks `token`'s GUARDIAN_ROLE, needed to pause it.
    error RegistryNotGuardian(address token);
    /// @notice `caller` is not the corporate actions contract this registry listens to.
    error NotCorporateActions(address caller);

    /**
     * @notice Deploys a new security token (an ERC1967Proxy of `tokenImplementation`) initialised with
     * the timelock as admin and `operators` (the registry is added as a guardian, to pause it on
     * suspension), binds it to the identity registry and lists it. Admin (timelock) only.
     * @return token The new token's address.
     */
    function createAsset(
        TokenSpec calldata spec,
        AssetTerms calldata terms,
        ISecurityToken.Operators calldata operators
    ) external returns (address token);

    /// @notice Lists an existing token of this identity registry (e.g. the genesis tokens). Admin only.
    function listAsset(address token, AssetTerms calldata terms) external;

    /// @notice Active -> Suspended: pauses the token (needs its GUARDIAN_ROLE). Admin only.
    function suspendAsset(address token) external;

    /// @notice Suspended -> Active, once the timelock has unpaused the token. Admin only.
    function resumeAsset(address token) external;

    /// @notice Active -> Matured, once the maturity (if any) is reached; the token stays unpaused. Admin only.
    function markMatured(address token) external;

    /// @notice Active, Suspended or Matured -> Redeemed, with no supply left: pauses the token. Admin only.
    function markRedeemed(address token) external;

    /// @notice Sets the implementation new assets are created with (after an upgrade of all). Admin only.
    function setTokenImplementation(address implementation) external;

    /// @notice Sets the corporate actions contract whose `assetRedeemed` calls are accepted (zero:
    /// none). Admin only.
    function setCorporateActions(address corporateActions) external;

    /// @notice The corporate actions contract whose `assetRedeemed` calls are accepted (zero: none).
    function corporateActions() external view returns (address);

    /// @notice Number of assets in the directory.
    function assetCount() external view returns (uint256);

    /// @notice The `index`-th asset, in listing order.
    function assetAt(uint256 index) external view returns (Asset memory);

    /// @notice The entry of `token`.
    function assetOf(address token) external view returns (Asset memory);

    /// @notice The entry whose code is `code`.
    function assetByCode(bytes12 code) external view returns (Asset memory);

    /// @notice Whether `token` is in the directory.
    function isListed(address token) external view returns (bool);

    /// @notice The SecurityToken implementation new assets are created with.
    function tokenImplementation() external view returns (address);

    /// @notice The identity registry every listed token verifies holders with.
    function identityRegistry() external view returns (IIdentityRegistry);

    /// @notice Reverts with `AssetCodeMalformed` or `AssetCodeCheckDigit` unless `code` is a valid
    /// ISIN-style code.
    function validateCode(bytes12 code) external pure;
}
