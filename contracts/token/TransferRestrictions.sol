// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

/**
 * @title TransferRestrictions
 * @notice ERC-1404 restriction codes of `SecurityToken`, in the order the rules are checked: the
 * first rule a transfer breaks gives its code.
 */
library TransferRestrictions {
    uint8 internal constant NONE = 0;
    uint8 internal constant PAUSED = 1;
    uint8 internal constant WALLET_FROZEN = 2;
    uint8 internal constant INSUFFICIENT_UNFROZEN_BALANCE = 3;
    uint8 internal constant SENDER_NOT_VERIFIED = 4;
    uint8 internal constant RECIPIENT_NOT_VERIFIED = 5;
    uint8 internal constant RECIPIENT_MISSING_ATTRIBUTES = 6;
    uint8 internal constant COUNTRY_NOT_ALLOWED = 7;
    uint8 internal constant ENTITY_BALANCE_LIMIT = 8;
    uint8 internal constant HOLDER_LIMIT = 9;
    uint8 internal constant TOKENS_LOCKED = 10;
    uint8 internal constant COMPLIANCE_HOOK_REJECTED = 11;

    /// @notice The text shown to people for `code`.
    function message(uint8 code) internal pure returns (string memory) {
        if (code == NONE) return "No restriction";
        if (code == PAUSED) return "Token is paused";
        if (code == WALLET_FROZEN) return "Sender or recipient wallet is frozen";
        if (code == INSUFFICIENT_UNFROZEN_BALANCE) return "Amount exceeds the sender's unfrozen balance";
        if (code == SENDER_NOT_VERIFIED) return "Sender is not a verified participant";
        if (code == RECIPIENT_NOT_VERIFIED) return "Recipient is not a verified participant";
        if (code == RECIPIENT_MISSING_ATTRIBUTES) return "Recipient lacks the attributes this token requires";
        if (code == COUNTRY_NOT_ALLOWED) return "Recipient's country is not allowed";
        if (code == ENTITY_BALANCE_LIMIT) return "Recipient entity's balance would exceed the maximum";
        if (code == HOLDER_LIMIT) return "Number of holders would exceed the maximum";
        if (code == TOKENS_LOCKED) return "Tokens are under lock-up";
        if (code == COMPLIANCE_HOOK_REJECTED) return "Rejected by the compliance hook";
        return "Unknown restriction code";
    }
}
