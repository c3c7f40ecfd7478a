import type { ConfigurableTaskDefinition } from "hardhat/types";
import type { KeyOptions } from "./signer";

/** The options every task that signs takes: where the deployment is, and which key to use. */
export interface CommonArgs extends KeyOptions {
  deployment?: string;
}

/** Adds `--deployment`: the system's deployed_addresses.json, or its folder. */
export function withDeployment(t: ConfigurableTaskDefinition): ConfigurableTaskDefinition {
  return t.addOptionalParam(
    "deployment",
    "The system's deployed_addresses.json (or its folder); default: ignition/deployments/chain-<chainId>/",
  );
}

/** Adds `--deployment`, `--from` and `--keystore`. */
export function withKeys(t: ConfigurableTaskDefinition): ConfigurableTaskDefinition {
  return withDeployment(t)
    .addOptionalParam("from", "The network account to use: its address or index (default: account 0)")
    .addOptionalParam(
      "keystore",
      "An encrypted JSON keystore to sign with (password: env CONSORTIUM_KEYSTORE_PASSWORD, else asked)",
    );
}
