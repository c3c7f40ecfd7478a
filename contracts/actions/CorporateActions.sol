// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {ReentrancyGuardUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/ReentrancyGuardUpgradeable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ICorporateActions} from "../interfaces/ICorporateActions.sol";
import {IERC3643} from "../interfaces/IERC3643.sol";
import {IRecordBalances} from "../interfaces/IRecordBalances.sol";
import {IRedemptionObserver} from "../interfaces/IRedemptionObserver.sol";

/**
 * @title CorporateActions
 * @notice Distributions (dividends, coupons) and redemptions of security tokens. A paying agent of
 * an asset announces a distribution and escrows its cash here in the same transaction; the asset
 * keeps every holder's balance at the record time (`IRecordBalances`), so each entitlement is
 * computed on chain, with no holder list to trust. Holders claim, or the agent pays them in
 * batches; after the claim deadline the agent reclaims the rest, so paid + reclaimed = funded.
 * At maturity the agent escrows a redemption price per unit; holders redeem (burn and cash in one
 * transaction) or the agent redeems them in batches; when the supply reaches zero the asset is
 * redeemed and the redemption observer (the asset directory) is told.
 * @dev UUPS proxy; upgrades, roles and the observer belong to `DEFAULT_ADMIN_ROLE` (the governance
 * timelock). Paying agents are appointed per asset (`payingAgentRole(asset)`): an issuer's agent
 * moves that issuer's escrow only. Entitlements round down per holder; the remainder is reclaimed.
 * This contract holds cash, so it must be a verified participant of each cash token's registry;
 * it needs each asset's RECORD_ROLE (distributions) and SUPPLY_ROLE (redemption).
 */
contract CorporateActions is
    Initializable,
    AccessControlUpgradeable,
    ReentrancyGuardUpgradeable,
    UUPSUpgradeable,
    ICorporateActions
{
    using SafeERC20 for IERC20;

    /// @notice Base of the per-asset paying agent roles (`payingAgentRole`).
    bytes32 public constant PAYING_AGENT_ROLE = keccak256("PAYING_AGENT_ROLE");
    /// @notice Most holders in one `payBatch` or `redeemBatch`.
    uint256 public constant MAX_BATCH = 100;
    /// @notice Most recoveries followed from a holder of record to its payee.
    uint256 public constant MAX_RECOVERY_HOPS = 4;

    /// @custom:storage-location erc7201:consortium.storage.CorporateActions
    struct CorporateActionsStorage {
        uint256 distributionCount;
        mapping(uint256 id => Distribution) distributions;
        mapping(uint256 id => mapping(address holder => bool)) paid;
        mapping(address asset => Redemption) redemptions;
        address redemptionObserver;
    }

    // keccak256(abi.encode(uint256(keccak256("consortium.storage.CorporateActions")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x2a29bc644d4ab782891034206aff912984760befb5c8f93db7691f9af6958f00;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Sets up the contract behind its proxy. The deployer gets no role.
     * @param admin Holder of `DEFAULT_ADMIN_ROLE` and upgrade rights (the governance timelock).
     */
    function initialize(address admin) public initializer {
        if (admin == address(0)) revert ZeroAddress();
        __AccessControl_init();
        __ReentrancyGuard_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ------------------------------------------------------------------ distributions

    /// @inheritdoc ICorporateActions
    function announce(Announcement calldata a) external nonReentrant returns (uint256 id) {
        _checkRole(payingAgentRole(a.asset));
        if (a.asset == address(0) || a.cashToken == address(0)) revert ZeroAddress();
        if (a.amount == 0) revert ZeroAmount();
        if (bytes(a.noticeUri).length == 0 || a.noticeHash == bytes32(0)) revert EmptyNotice();
        if (a.recordTime <= block.timestamp || a.paymentStart <= a.recordTime || a.claimDeadline <= a.paymentStart) {
            revert InvalidSchedule(a.recordTime, a.paymentStart, a.claimDeadline);
        }
        if (a.amountPerUnit != 0) {
            uint256 required = _perUnit(a.asset, IERC20(a.asset).totalSupply(), a.amountPerUnit);
            if (a.amount < required) revert InsufficientFunding(required, a.amount);
        }
        CorporateActionsStorage storage $ = _storage();
        id = ++$.distributionCount;
        Distribution storage d = $.distributions[id];
        d.asset = a.asset;
        d.recordTime = a.recordTime;
        d.cashToken = a.cashToken;
        d.paymentStart = a.paymentStart;
        d.claimDeadline = a.claimDeadline;
        d.amountPerUnit = a.amountPerUnit;
        d.funded = a.amount;
        d.noticeHash = a.noticeHash;
        d.noticeUri = a.noticeUri;
        emit DistributionAnnounced(
            id,
            a.asset,
            a.cashToken,
            a.amountPerUnit,
            a.recordTime,
            a.paymentStart,
            a.claimDeadline,
            a.noticeUri,
            a.noticeHash
        );
        emit DistributionFunded(id, msg.sender, a.amount, a.amount);
        IRecordBalances(a.asset).scheduleRecordTime(a.recordTime);
        IERC20(a.cashToken).safeTransferFrom(msg.sender, address(this), a.amount);
    }

    /// @inheritdoc ICorporateActions
    function fund(uint256 id, uint256 amount) external nonReentrant {
        Distribution storage d = _distribution(id);
        _checkRole(payingAgentRole(d.asset));
        if (amount == 0) revert ZeroAmount();
        if (block.timestamp >= d.paymentStart) revert FundingClosed(id, d.paymentStart);
        uint256 funded = d.funded + amount;
        d.funded = funded;
        emit DistributionFunded(id, msg.sender, amount, funded);
        IERC20(d.cashToken).safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc ICorporateActions
    function claim(uint256 id, address holder) external nonReentrant {
        Distribution storage d = _distribution(id);
        _checkPaymentWindow(id, d);
        address payee = _payee(d.asset, holder);
        if (msg.sender != holder && msg.sender != payee) revert NotHolder(msg.sender, holder);
        CorporateActionsStorage storage $ = _storage();
        if ($.paid[id][holder]) revert AlreadyPaid(id, holder);
        _checkFunded(id, d);
        uint256 amount = _entitlement(d, holder);
        if (amount == 0) revert NothingToClaim(id, holder);
        $.paid[id][holder] = true;
        d.paid += amount;
        emit DistributionPaid(id, holder, payee, amount);
        IERC20(d.cashToken).safeTransfer(payee, amount);
    }

    /// @inheritdoc ICorporateActions
    function payBatch(uint256 id, address[] calldata holders) external nonReentrant {
        Distribution storage d = _distribution(id);
        _checkRole(payingAgentRole(d.asset));
        _checkBatch(holders.length);
        _checkPaymentWindow(id, d);
        _checkFunded(id, d);
        mapping(address holder => bool) storage paid = _storage().paid[id];
        IERC20 cash = IERC20(d.cashToken);
        for (uint256 i = 0; i < holders.length; ++i) {
            address holder = holders[i];
            if (paid[holder]) continue;
            uint256 amount = _entitlement(d, holder);
            if (amount == 0) continue;
            address payee = _payee(d.asset, holder);
            paid[holder] = true;
            d.paid += amount;
            if (_tryTransfer(cash, payee, amount)) {
                emit DistributionPaid(id, holder, payee, amount);
            } else {
                paid[holder] = false;
                d.paid -= amount;
                emit DistributionPaymentSkipped(id, holder, payee, amount);
            }
        }
    }

    /// @inheritdoc ICorporateActions
    function reclaim(uint256 id, address to) external nonReentrant {
        Distribution storage d = _distribution(id);
        _checkRole(payingAgentRole(d.asset));
        if (to == address(0)) revert ZeroAddress();
        if (block.timestamp <= d.claimDeadline) revert ClaimsStillOpen(id, d.claimDeadline);
        if (d.reclaimed) revert AlreadyReclaimed(id);
        d.reclaimed = true;
        uint256 amount = d.funded - d.paid;
        emit DistributionReclaimed(id, to, amount);
        if (amount != 0) IERC20(d.cashToken).safeTransfer(to, amount);
    }

    // ------------------------------------------------------------------ redemption

    /// @inheritdoc ICorporateActions
    function openRedemption(
        address asset,
        address cashToken,
        uint256 amountPerUnit,
        uint64 maturity,
        uint256 amount
    ) external nonReentrant {
        _checkRole(payingAgentRole(asset));
        if (asset == address(0) || cashToken == address(0)) revert ZeroAddress();
        if (amountPerUnit == 0 || amount == 0) revert ZeroAmount();
        if (block.timestamp < maturity) revert NotMatured(asset, maturity);
        Redemption storage r = _storage().redemptions[asset];
        if (r.cashToken != address(0)) revert RedemptionExists(asset);
        uint256 required = _perUnit(asset, IERC20(asset).totalSupply(), amountPerUnit);
        if (amount < required) revert InsufficientFunding(required, amount);
        r.cashToken = cashToken;
        r.maturity = maturity;
        r.amountPerUnit = amountPerUnit;
        r.funded = amount;
        emit RedemptionOpened(asset, cashToken, amountPerUnit, maturity, amount);
        IERC20(cashToken).safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc ICorporateActions
    function fundRedemption(address asset, uint256 amount) external nonReentrant {
        _checkRole(payingAgentRole(asset));
        Redemption storage r = _redemption(asset);
        if (amount == 0) revert ZeroAmount();
        uint256 funded = r.funded + amount;
        r.funded = funded;
        emit RedemptionFunded(asset, msg.sender, amount, funded);
        IERC20(r.cashToken).safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc ICorporateActions
    function redeem(address asset) external nonReentrant {
        Redemption storage r = _redemption(asset);
        uint256 units = IERC20(asset).balanceOf(msg.sender);
        if (units == 0) revert NothingToRedeem(asset, msg.sender);
        uint256 amount = _reserve(asset, r, units);
        emit Redeemed(asset, msg.sender, units, amount);
        IERC3643(asset).burn(msg.sender, units);
        IERC20(r.cashToken).safeTransfer(msg.sender, amount);
        _checkCompleted(asset, r);
    }

    /// @inheritdoc ICorporateActions
    function redeemBatch(address asset, address[] calldata holders) external nonReentrant {
        _checkRole(payingAgentRole(asset));
        Redemption storage r = _redemption(asset);
        _checkBatch(holders.length);
        IERC20 cash = IERC20(r.cashToken);
        for (uint256 i = 0; i < holders.length; ++i) {
            address holder = holders[i];
            uint256 units = IERC20(asset).balanceOf(holder);
            if (units == 0) continue;
            uint256 amount = _reserve(asset, r, units);
            if (_tryTransfer(cash, holder, amount)) {
                emit Redeemed(asset, holder, units, amount);
                IERC3643(asset).burn(holder, units);
            } else {
                r.paid -= amount;
                emit RedemptionSkipped(asset, holder, units, amount);
            }
        }
        _checkCompleted(asset, r);
    }

    /// @inheritdoc ICorporateActions
    function reclaimRedemption(address asset, address to) external nonReentrant {
        _checkRole(payingAgentRole(asset));
        Redemption storage r = _redemption(asset);
        if (to == address(0)) revert ZeroAddress();
        if (!r.completed) revert RedemptionNotComplete(asset, IERC20(asset).totalSupply());
        if (r.reclaimed) revert RedemptionAlreadyReclaimed(asset);
        r.reclaimed = true;
        uint256 amount = r.funded - r.paid;
        emit RedemptionReclaimed(asset, to, amount);
        if (amount != 0) IERC20(r.cashToken).safeTransfer(to, amount);
    }

    // ------------------------------------------------------------------ administration

    /// @inheritdoc ICorporateActions
    function setRedemptionObserver(address observer) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _storage().redemptionObserver = observer;
        emit RedemptionObserverSet(observer);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ICorporateActions
    function payingAgentRole(address asset) public pure returns (bytes32) {
        return keccak256(abi.encode(PAYING_AGENT_ROLE, asset));
    }

    /// @inheritdoc ICorporateActions
    function distribution(uint256 id) external view returns (Distribution memory) {
        return _distribution(id);
    }

    /// @inheritdoc ICorporateActions
    function distributionCount() external view returns (uint256) {
        return _storage().distributionCount;
    }

    /// @inheritdoc ICorporateActions
    function entitlementOf(uint256 id, address holder) external view returns (uint256) {
        return _entitlement(_distribution(id), holder);
    }

    /// @inheritdoc ICorporateActions
    function isPaid(uint256 id, address holder) external view returns (bool) {
        return _storage().paid[id][holder];
    }

    /// @inheritdoc ICorporateActions
    function payeeOf(address asset, address holder) external view returns (address) {
        return _payee(asset, holder);
    }

    /// @inheritdoc ICorporateActions
    function redemption(address asset) external view returns (Redemption memory) {
        return _storage().redemptions[asset];
    }

    /// @inheritdoc ICorporateActions
    function redemptionObserver() external view returns (address) {
        return _storage().redemptionObserver;
    }

    // ------------------------------------------------------------------ internals

    /// @dev `holder`'s entitlement: its record-time balance times the price per unit, or its share
    /// of the escrow pro rata to the record-time supply; rounded down.
    function _entitlement(Distribution storage d, address holder) private view returns (uint256) {
        IRecordBalances asset = IRecordBalances(d.asset);
        uint256 units = asset.balanceAtRecord(holder, d.recordTime);
        if (units == 0) return 0;
        if (d.amountPerUnit != 0) return _perUnit(d.asset, units, d.amountPerUnit);
        return Math.mulDiv(units, d.funded, asset.totalSupplyAtRecord(d.recordTime));
    }

    /// @dev A per-unit distribution must cover the supply at the record time before paying.
    function _checkFunded(uint256 id, Distribution storage d) private view {
        if (d.amountPerUnit == 0) return;
        uint256 supply = IRecordBalances(d.asset).totalSupplyAtRecord(d.recordTime);
        uint256 required = _perUnit(d.asset, supply, d.amountPerUnit);
        if (d.funded < required) revert Underfunded(id, d.funded, required);
    }

    /// @dev `units` base units of `asset` at `amountPerUnit` per whole unit, rounded down.
    function _perUnit(address asset, uint256 units, uint256 amountPerUnit) private view returns (uint256) {
        return Math.mulDiv(units, amountPerUnit, 10 ** IERC20Metadata(asset).decimals());
    }

    /// @dev The holder, or the wallet the token last recovered it to (following later recoveries).
    function _payee(address asset, address holder) private view returns (address wallet) {
        wallet = holder;
        for (uint256 hops = 0; hops <= MAX_RECOVERY_HOPS; ++hops) {
            address next = IRecordBalances(asset).recoveredWallet(wallet);
            if (next == address(0)) return wallet;
            wallet = next;
        }
        revert RecoveryChainTooLong(holder);
    }

    /// @dev Counts `units`' price as paid; reverts if the escrow does not cover it.
    function _reserve(address asset, Redemption storage r, uint256 units) private returns (uint256 amount) {
        amount = _perUnit(asset, units, r.amountPerUnit);
        uint256 available = r.funded - r.paid;
        if (amount > available) revert RedemptionUnderfunded(asset, available, amount);
        r.paid += amount;
    }

    /// @dev When the supply reaches zero: the asset is redeemed, once; the observer is told.
    function _checkCompleted(address asset, Redemption storage r) private {
        if (r.completed || IERC20(asset).totalSupply() != 0) return;
        r.completed = true;
        emit AssetRedeemed(asset);
        address observer = _storage().redemptionObserver;
        if (observer != address(0)) IRedemptionObserver(observer).assetRedeemed(asset);
    }

    /// @dev A cash transfer that reports failure instead of reverting (batch payments skip).
    function _tryTransfer(IERC20 cash, address to, uint256 amount) private returns (bool) {
        try cash.transfer(to, amount) returns (bool ok) {
            return ok;
        } catch {
            return false;
        }
    }

    function _checkPaymentWindow(uint256 id, Distribution storage d) private view {
        if (block.timestamp < d.paymentStart) revert ClaimNotOpen(id, d.paymentStart);
        if (block.timestamp > d.claimDeadline) revert ClaimClosed(id, d.claimDeadline);
    }

    function _checkBatch(uint256 size) private pure {
        if (size == 0 || size > MAX_BATCH) revert BatchSize(size, MAX_BATCH);
    }

    function _distribution(uint256 id) private view returns (Distribution storage d) {
        d = _storage().distributions[id];
        if (d.asset == address(0)) revert UnknownDistribution(id);
    }

    function _redemption(address asset) private view returns (Redemption storage r) {
        r = _storage().redemptions[asset];
        if (r.cashToken == address(0)) revert NoRedemption(asset);
    }

    /// @dev Upgrades are governance decisions: only the admin (the timelock) may upgrade.
    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}

    function _storage() private pure returns (CorporateActionsStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
