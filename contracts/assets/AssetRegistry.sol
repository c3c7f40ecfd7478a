// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC1822Proxiable} from "@openzeppelin/contracts/interfaces/draft-IERC1822.sol";
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {ERC1967Utils} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Utils.sol";
import {IAssetRegistry} from "../interfaces/IAssetRegistry.sol";
import {IGuardianPausable} from "../interfaces/IGuardianPausable.sol";
import {IIdentityRegistry} from "../interfaces/IIdentityRegistry.sol";
import {ISecurityToken} from "../interfaces/ISecurityToken.sol";
import {SecurityToken} from "../token/SecurityToken.sol";

/**
 * @title AssetRegistry
 * @notice The consortium's directory of assets, and the only way a new security token comes to
 * exist after deployment: `createAsset`, called by the timelock after a member vote, deploys the
 * token, binds it to the identity registry and lists it in one transaction.
 * @dev Upgrades. There is no beacon: a beacon proxy adds a call to the beacon on every token call
 * (about 2,600 gas cold), which the token's transfer budget cannot carry. Every token is instead a
 * UUPS ERC1967Proxy of the one SecurityToken implementation recorded here (`tokenImplementation`);
 * upgrading all assets is one governance proposal calling `upgradeToAndCall` on each listed token
 * and `setTokenImplementation` here (the `upgrade-securities` action of `gov:propose`). Reads are O(1);
 * nothing loops over the directory in a transaction. UUPS proxy, administered by the timelock.
 */
contract AssetRegistry is AccessControlUpgradeable, UUPSUpgradeable, IAssetRegistry {
    /// @custom:storage-location erc7201:consortium.storage.AssetRegistry
    struct AssetRegistryStorage {
        IIdentityRegistry identityRegistry;
        address tokenImplementation;
        address[] tokens;
        mapping(address token => Asset) assets;
        mapping(bytes12 code => address token) tokenByCode;
        address corporateActions;
    }

    // keccak256(abi.encode(uint256(keccak256("consortium.storage.AssetRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x7f605061add2da7cf2d7f3e9fb54ccc974092a5698812464e9185cd0ae677900;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Sets up the directory behind its proxy and lists the tokens deployed with the system.
     * The genesis listings are checked for format and duplicates but not for the issuer's presence
     * in the identity registry, which is empty while the system is being deployed.
     * @param admin Holder of `DEFAULT_ADMIN_ROLE` and upgrade rights (the governance timelock).
     * @param registry The identity registry every asset's token verifies holders with.
     * @param implementation The SecurityToken implementation new assets are created with.
     * @param actions The corporate actions contract whose `assetRedeemed` calls are accepted (zero: none).
     * @param genesis The tokens deployed with the system (share and cash tokens).
     */
    function initialize(
        address admin,
        IIdentityRegistry registry,
        address implementation,
        address actions,
        GenesisAsset[] calldata genesis
    ) external initializer {
        if (admin == address(0) || address(registry) == address(0)) revert ZeroAddress();
        __AccessControl_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _storage().identityRegistry = registry;
        _setTokenImplementation(implementation);
        _setCorporateActions(actions);
        for (uint256 i = 0; i < genesis.length; ++i) {
            _checkListable(genesis[i].token);
            _checkTerms(genesis[i].terms);
            _list(genesis[i].token, genesis[i].terms, ISecurityToken(genesis[i].token).decimals(), false);
        }
    }

    // ------------------------------------------------------------------ issuance and listing

    /// @inheritdoc IAssetRegistry
    function createAsset(
        TokenSpec calldata spec,
        AssetTerms calldata terms,
        ISecurityToken.Operators calldata operators
    ) external onlyRole(DEFAULT_ADMIN_ROLE) returns (address token) {
        _checkIssuer(terms.issuer);
        _checkTerms(terms);
        AssetRegistryStorage storage $ = _storage();
        ISecurityToken.Operators memory named = operators;
        // The registry pauses the token when governance suspends the asset.
        address[] memory guardians = new address[](operators.guardians.length + 1);
        for (uint256 i = 0; i < operators.guardians.length; ++i) guardians[i] = operators.guardians[i];
        guardians[operators.guardians.length] = address(this);
        named.guardians = guardians;
        address implementation = $.tokenImplementation;
        // The proxy is initialised in its constructor, so nobody can initialise it first. Its admin
        // is the caller, this registry's admin (the timelock). The new token's code is the
        // governance-chosen implementation: no foreign code runs here.
        token = address(
            new ERC1967Proxy(
                implementation,
                abi.encodeCall(
                    SecurityToken.initialize,
                    (spec.name, spec.symbol, spec.decimals, $.identityRegistry, msg.sender, named)
                )
            )
        );
        $.identityRegistry.bindToken(token);
        emit AssetCreated(token, implementation, spec.name, spec.symbol);
        _list(token, terms, spec.decimals, true);
    }

    /// @inheritdoc IAssetRegistry
    function listAsset(address token, AssetTerms calldata terms) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkListable(token);
        _checkIssuer(terms.issuer);
        _checkTerms(terms);
        _list(token, terms, ISecurityToken(token).decimals(), false);
    }

    // ------------------------------------------------------------------ status

    /// @inheritdoc IAssetRegistry
    function suspendAsset(address token) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Asset storage asset = _asset(token);
        _transition(asset, AssetStatus.Active, AssetStatus.Suspended);
        _pauseToken(token);
    }

    /// @inheritdoc IAssetRegistry
    function resumeAsset(address token) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Asset storage asset = _asset(token);
        // Unpausing belongs to the token's admin (the timelock), which the registry is not: the
        // proposal unpauses the token first, and the directory follows.
        if (IGuardianPausable(token).paused()) revert TokenStillPaused(token);
        _transition(asset, AssetStatus.Suspended, AssetStatus.Active);
    }

    /// @inheritdoc IAssetRegistry
    function markMatured(address token) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Asset storage asset = _asset(token);
        if (asset.maturity > block.timestamp) revert MaturityNotReached(token, asset.maturity);
        _transition(asset, AssetStatus.Active, AssetStatus.Matured);
    }

    /// @inheritdoc IAssetRegistry
    function markRedeemed(address token) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Asset storage asset = _asset(token);
        AssetStatus current = asset.status;
        if (current == AssetStatus.Redeemed) {
            revert InvalidStatusTransition(token, current, AssetStatus.Redeemed);
        }
        uint256 supply = ISecurityToken(token).totalSupply();
        if (supply != 0) revert SupplyNotRedeemed(token, supply);
        asset.status = AssetStatus.Redeemed;
        emit AssetStatusChanged(token, current, AssetStatus.Redeemed);
        _pauseToken(token);
    }

    /**
     * @notice Corporate actions redeemed the last unit of `asset`: the listed asset becomes
     * Redeemed and its token is paused, as with `markRedeemed`. An unlisted or already redeemed asset
     * is ignored, and so is the pause when this registry is not the token's guardian: reverting would
     * undo the holder's redemption. Only from the configured corporate actions contract.
     * @param asset The asset's token.
     */
    function assetRedeemed(address asset) external {
        AssetRegistryStorage storage $ = _storage();
        if (msg.sender != $.corporateActions) revert NotCorporateActions(msg.sender);
        Asset storage entry = $.assets[asset];
        AssetStatus current = entry.status;
        if (entry.token == address(0) || current == AssetStatus.Redeemed) return;
        entry.status = AssetStatus.Redeemed;
        emit AssetStatusChanged(asset, current, AssetStatus.Redeemed);
        if (IGuardianPausable(asset).paused()) return;
        if (IAccessControl(asset).hasRole(SecurityToken(asset).GUARDIAN_ROLE(), address(this))) {
            IGuardianPausable(asset).pause();
        }
    }

    /// @inheritdoc IAssetRegistry
    function setCorporateActions(address actions) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setCorporateActions(actions);
    }

    /// @inheritdoc IAssetRegistry
    function setTokenImplementation(address implementation) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setTokenImplementation(implementation);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IAssetRegistry
    function assetCount() external view returns (uint256) {
        return _storage().tokens.length;
    }

    /// @inheritdoc IAssetRegistry
    function assetAt(uint256 index) external view returns (Asset memory) {
        AssetRegistryStorage storage $ = _storage();
        if (index >= $.tokens.length) revert AssetIndexOutOfRange(index, $.tokens.length);
        return $.assets[$.tokens[index]];
    }

    /// @inheritdoc IAssetRegistry
    function assetOf(address token) external view returns (Asset memory) {
        return _asset(token);
    }

    /// @inheritdoc IAssetRegistry
    function assetByCode(bytes12 code) external view returns (Asset memory) {
        AssetRegistryStorage storage $ = _storage();
        address token = $.tokenByCode[code];
        if (token == address(0)) revert UnknownAssetCode(code);
        return $.assets[token];
    }

    /// @inheritdoc IAssetRegistry
    function isListed(address token) external view returns (bool) {
        return _storage().assets[token].token != address(0);
    }

    /// @inheritdoc IAssetRegistry
    function tokenImplementation() external view returns (address) {
        return _storage().tokenImplementation;
    }

    /// @inheritdoc IAssetRegistry
    function corporateActions() external view returns (address) {
        return _storage().corporateActions;
    }

    /// @inheritdoc IAssetRegistry
    function identityRegistry() external view returns (IIdentityRegistry) {
        return _storage().identityRegistry;
    }

    /// @inheritdoc IAssetRegistry
    function validateCode(bytes12 code) external pure {
        _validateCode(code);
    }

    // ------------------------------------------------------------------ internals

    /// @dev The ISIN rules: 2 letters (country), 9 letters or digits, then the Luhn check digit of
    /// the first 11 characters with letters read as two-digit numbers (A = 10 ... Z = 35).
    function _validateCode(bytes12 code) private pure {
        uint256 sum = 0;
        bool double = true; // the digit next to the check digit is doubled
        for (uint256 i = 11; i > 0; --i) {
            uint8 c = uint8(code[i - 1]);
            uint256 value;
            if (c >= 0x41 && c <= 0x5a) value = c - 55; // A-Z -> 10-35
            else if (c >= 0x30 && c <= 0x39 && i > 2) value = c - 0x30;
            else revert AssetCodeMalformed(code, i - 1);
            // Right to left: the units digit of a letter's number comes first.
            if (value >= 10) {
                sum += _luhnDigit(value % 10, double);
                double = !double;
                value /= 10;
            }
            sum += _luhnDigit(value, double);
            double = !double;
        }
        uint8 last = uint8(code[11]);
        if (last < 0x30 || last > 0x39) revert AssetCodeMalformed(code, 11);
        uint8 expected = uint8((10 - (sum % 10)) % 10);
        if (last - 0x30 != expected) revert AssetCodeCheckDigit(code, expected);
    }

    function _luhnDigit(uint256 digit, bool double) private pure returns (uint256) {
        if (!double) return digit;
        digit *= 2;
        return digit > 9 ? digit - 9 : digit;
    }

    function _checkTerms(AssetTerms calldata terms) private view {
        _validateCode(terms.code);
        address holder = _storage().tokenByCode[terms.code];
        if (holder != address(0)) revert AssetCodeTaken(terms.code, holder);
        if (terms.issuer == bytes32(0)) revert ZeroIssuer();
        if (terms.kind == AssetKind.Bond) {
            if (terms.maturity <= block.timestamp) revert MaturityRequired(terms.maturity);
        } else if (terms.maturity != 0) {
            revert MaturityNotApplicable(terms.kind);
        }
    }

    function _checkIssuer(bytes32 issuer) private view {
        if (issuer != bytes32(0) && _storage().identityRegistry.entityIndexOf(issuer) == 0) {
            revert UnknownIssuer(issuer);
        }
    }

    function _checkListable(address token) private view {
        if (token == address(0)) revert ZeroAddress();
        if (token.code.length == 0) revert NotAContract(token);
        if (_storage().assets[token].token != address(0)) revert AssetAlreadyListed(token);
        address tokenRegistry = address(ISecurityToken(token).identityRegistry());
        if (tokenRegistry != address(_storage().identityRegistry)) {
            revert IdentityRegistryMismatch(token, tokenRegistry);
        }
    }

    /// @dev Records a checked entry (`_checkTerms` ran).
    function _list(address token, AssetTerms calldata terms, uint8 decimals, bool created) private {
        AssetRegistryStorage storage $ = _storage();
        $.tokens.push(token);
        $.tokenByCode[terms.code] = token;
        $.assets[token] = Asset({
            token: token,
            kind: terms.kind,
            status: AssetStatus.Active,
            decimals: decimals,
            maturity: terms.maturity,
            code: terms.code,
            issuer: terms.issuer,
            termsHash: terms.termsHash,
            termsURI: terms.termsURI
        });
        emit AssetListed(
            token,
            terms.code,
            terms.issuer,
            terms.kind,
            terms.maturity,
            terms.termsURI,
            terms.termsHash,
            created
        );
    }

    function _asset(address token) private view returns (Asset storage asset) {
        asset = _storage().assets[token];
        if (asset.token == address(0)) revert UnknownAsset(token);
    }

    function _transition(Asset storage asset, AssetStatus from, AssetStatus to) private {
        AssetStatus current = asset.status;
        if (current != from) revert InvalidStatusTransition(asset.token, current, to);
        asset.status = to;
        emit AssetStatusChanged(asset.token, current, to);
    }

    /// @dev Pauses `token` unless a guardian already did.
    function _pauseToken(address token) private {
        if (IGuardianPausable(token).paused()) return;
        bytes32 guardianRole = SecurityToken(token).GUARDIAN_ROLE();
        if (!IAccessControl(token).hasRole(guardianRole, address(this))) revert RegistryNotGuardian(token);
        IGuardianPausable(token).pause();
    }

    function _setTokenImplementation(address implementation) private {
        if (implementation == address(0)) revert ZeroAddress();
        if (implementation.code.length == 0) revert NotAContract(implementation);
        try IERC1822Proxiable(implementation).proxiableUUID() returns (bytes32 slot) {
            if (slot != ERC1967Utils.IMPLEMENTATION_SLOT) revert NotUUPSImplementation(implementation);
        } catch {
            revert NotUUPSImplementation(implementation);
        }
        AssetRegistryStorage storage $ = _storage();
        emit TokenImplementationSet($.tokenImplementation, implementation);
        $.tokenImplementation = implementation;
    }

    function _setCorporateActions(address actions) private {
        AssetRegistryStorage storage $ = _storage();
        emit CorporateActionsSet($.corporateActions, actions);
        $.corporateActions = actions;
    }

    function _storage() private pure returns (AssetRegistryStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }

    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}
}
