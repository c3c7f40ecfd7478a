// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {ReentrancyGuardUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/ReentrancyGuardUpgradeable.sol";

/**
 * @notice Test-only "new version" of DvPSettlement whose storage is NOT compatible with the live
 * proxy: it moves `ticketCount` to the front of the namespaced struct, so every field after it
 * would read another field's slot. `consortium:prepare-upgrade` must refuse it before deploying.
 */
contract DvPSettlementBadLayout is
    Initializable,
    AccessControlUpgradeable,
    ReentrancyGuardUpgradeable,
    UUPSUpgradeable
{
    /// @custom:storage-location erc7201:consortium.storage.DvPSettlement
    struct DvPSettlementStorage {
        uint256 ticketCount;
        address identityRegistry;
        bool paused;
        uint16 feeBasisPoints;
        address feeRecipient;
    }

    // keccak256(abi.encode(uint256(keccak256("consortium.storage.DvPSettlement")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x5ed5be0698d1d318103922e513daa2f2110d024d5744d6b2acf5d2bd4e955a00;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Sets up a fresh proxy (never called on the live one, which is already initialised).
    function initialize(address admin) public initializer {
        __AccessControl_init();
        __ReentrancyGuard_init();
        __UUPSUpgradeable_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice The ticket count, read from the slot this layout (wrongly) gives it.
    function ticketCount() external view returns (uint256) {
        return _storage().ticketCount;
    }

    function _storage() private pure returns (DvPSettlementStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }

    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}
}
