// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

// Compiled so that Hardhat Ignition can deploy the UUPS proxies of the business contracts.
// solhint-disable-next-line no-unused-import
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
