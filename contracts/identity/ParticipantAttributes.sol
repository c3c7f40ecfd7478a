// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

/**
 * @title ParticipantAttributes
 * @notice The one place where the consortium's participant attribute flags are named.
 * A participant's `attributes` is a bit set of these flags; a token or registry rule asks for
 * all flags of a mask with `(attributes & mask) == mask`.
 */
library ParticipantAttributes {
    /// @notice Verified investor: may hold security tokens.
    uint32 internal constant INVESTOR = 1 << 0;
    /// @notice Qualified (professional) investor, for offerings restricted to them.
    uint32 internal constant QUALIFIED_INVESTOR = 1 << 1;
    /// @notice Supplier: may issue invoices and hold receivables.
    uint32 internal constant SUPPLIER = 1 << 2;
    /// @notice Financier (bank, factor): may finance and hold receivables.
    uint32 internal constant FINANCIER = 1 << 3;
    /// @notice Debtor (buyer): may accept and pay invoices.
    uint32 internal constant DEBTOR = 1 << 4;
    /// @notice Credit officer: sets its entity's credit lines in the credit registry.
    uint32 internal constant CREDIT_OFFICER = 1 << 5;
}
