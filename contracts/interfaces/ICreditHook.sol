// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

/**
 * @title ICreditHook
 * @notice The one call the invoice registry makes to the credit registry, so that every holder
 * entity's exposure to every debtor entity is kept exactly as receivables move.
 */
interface ICreditHook {
    /**
     * @notice `amount` (in `currency`) of receivables on debtor entity number `debtorEntityIndex`
     * changed hands: `from` zero = debt the debtor just accepted, now held by `to`; `to` zero = a
     * payment that reduced what `from` holds; both set = a receivable moved from `from` to `to`.
     * @dev Only the invoice registry may call it. Reverts only when the receiving entity's credit
     * line (with enforcement on) or the debtor's ceiling refuses the increase.
     */
    function receivableChanged(
        address from,
        address to,
        uint256 debtorEntityIndex,
        address currency,
        uint256 amount
    ) external;
}
