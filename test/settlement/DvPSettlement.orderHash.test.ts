import { ethers } from "hardhat";
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Side, deployOrdersFixture } from "../fixtures/settlement";
import { ORDER_TYPES, orderDomain } from "../../tasks/lib/orders";

const MAX_UINT64 = 2n ** 64n - 1n;

describe("DvPSettlement order hashing and order legs", function () {
  describe("orderHash is EIP-712's digest, hashed over the order's calldata words", function () {
    it("equals ethers' TypedDataEncoder (domain separator and struct hash) for edge values of every field", async function () {
      const { dvp, dvpAddress, chainId, buyer, rest, order } = await loadFixture(deployOrdersFixture);
      const domain = orderDomain(chainId, dvpAddress);
      const [, name, version, domainChainId, verifyingContract] = await dvp.eip712Domain();
      expect([name, version, domainChainId, verifyingContract]).to.deep.equal([
        domain.name,
        domain.version,
        chainId,
        dvpAddress,
      ]);
      const cases = [
        order(),
        order({ side: Side.Buy, deferred: true, taker: buyer.address, nonce: 7n, minFill: 3n }),
        order({
          maker: "0xffffffffffffffffffffffffffffffffffffffff",
          side: Side.Sell,
          asset: "0xFFfFfFffFFfffFFfFFfFFFFFffFFFffffFfFFFfF",
          cash: rest[0].address,
          quantity: ethers.MaxUint256,
          price: ethers.MaxUint256,
          minFill: ethers.MaxUint256,
          taker: "0xffffffffffffffffffffffffffffffffffffffff",
          expiry: MAX_UINT64,
          nonce: ethers.MaxUint256,
          salt: ethers.MaxUint256,
          deferred: true,
        }),
        order({ quantity: 0n, price: 0n, expiry: 0n, salt: 0n }),
      ];
      for (const o of cases) {
        const structHash = ethers.TypedDataEncoder.from(ORDER_TYPES).hash(o);
        const digest = ethers.solidityPackedKeccak256(
          ["bytes2", "bytes32", "bytes32"],
          ["0x1901", ethers.TypedDataEncoder.hashDomain(domain), structHash],
        );
        expect(digest).to.equal(ethers.TypedDataEncoder.hash(domain, ORDER_TYPES, o));
        expect(await dvp.orderHash(o)).to.equal(digest);
      }
    });

    it("an order whose calldata holds a field out of its type's range reverts, as the ABI decoder does", async function () {
      const { dvp, dvpAddress, order } = await loadFixture(deployOrdersFixture);
      const o = order();
      const good = dvp.interface.encodeFunctionData("orderHash", [o]);
      expect(await ethers.provider.call({ to: dvpAddress, data: good })).to.equal(await dvp.orderHash(o));
      // Word i of the struct starts after the selector at 4 + 32 * i bytes (hex: 2 per byte, after "0x").
      const dirty = (word: number, value: bigint) => {
        const at = 2 + 2 * (4 + 32 * word);
        return good.slice(0, at) + ethers.toBeHex(value, 32).slice(2) + good.slice(at + 64);
      };
      const addressPlusOne = 2n ** 160n;
      for (const [word, value] of [
        [0, addressPlusOne], // maker
        [1, 2n], // side
        [2, addressPlusOne], // asset
        [3, addressPlusOne], // cash
        [7, addressPlusOne], // taker
        [8, 2n ** 64n], // expiry
        [11, 2n], // deferred
      ] as const) {
        await expect(ethers.provider.call({ to: dvpAddress, data: dirty(word, value) })).to.be.reverted;
      }
    });
  });

  describe("order legs refused by the token", function () {
    it("a fill whose seller withdrew the approval reverts with the token's own error; nothing moves", async function () {
      const { dvp, securityToken, seller, buyer, order, sign, hashOf } = await loadFixture(deployOrdersFixture);
      const o = order();
      const sig = await sign(seller, o);
      await securityToken.connect(seller).approve(await dvp.getAddress(), 0n);
      await expect(dvp.connect(buyer).fill(o, sig, 1n)).to.be.revertedWithCustomError(
        securityToken,
        "ERC20InsufficientAllowance",
      );
      expect(await dvp.filledOf(hashOf(o))).to.equal(0n);
    });

    it("a cash 'token' with no code (returns nothing, no contract) reverts SafeERC20FailedOperation(cash)", async function () {
      const { dvp, securityToken, seller, buyer, rest, order, sign } = await loadFixture(deployOrdersFixture);
      const o = order({ cash: rest[0].address });
      const tx = dvp.connect(buyer).fill(o, await sign(seller, o), 1n);
      await expect(tx).to.be.revertedWithCustomError(dvp, "SafeERC20FailedOperation").withArgs(rest[0].address);
      expect(await securityToken.balanceOf(buyer.address)).to.equal(0n);
    });
  });
});
