// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/**
 * @notice Test-only malicious ERC-20 (no ERC-1404), used as a cash or security leg: its
 * `transferFrom` first makes one armed call (e.g. back into `InvoiceRegistry.finance`,
 * `DvPSettlement.affirm` or `settleBatch`) and bubbles up its revert, to prove the reentrancy guards.
 */
contract ReenteringERC20 is ERC20 {
    address public reentryTarget;
    bytes public reentryData;
    /// @notice Set when the armed call succeeded (it must never, if the target is guarded).
    bool public reentered;

    constructor() ERC20("Reentering Token", "RET") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arms one call to `target` with `data`, made at the next `transferFrom`.
    function arm(address target, bytes calldata data) external {
        reentryTarget = target;
        reentryData = data;
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        address target = reentryTarget;
        if (target != address(0)) {
            reentryTarget = address(0);
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory result) = target.call(reentryData);
            if (!ok) {
                assembly {
                    revert(add(result, 32), mload(result))
                }
            }
            reentered = true;
        }
        return super.transferFrom(from, to, value);
    }
}
