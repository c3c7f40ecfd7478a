/** One Ready ticket as netting sees it. */
export interface NetTicket {
  id: bigint;
  seller: string;
  buyer: string;
  cashAmount: bigint;
  fee: bigint;
}

/** A participant's net cash position: positive receives, negative pays. */
export interface NetPosition {
  party: string;
  amount: bigint;
}

/** One net cash transfer. */
export interface NetTransfer {
  from: string;
  to: string;
  amount: bigint;
}

/**
 * Net cash positions of a batch, in the order DvPSettlement.settleNetted meets the parties: per
 * ticket the buyer, the seller, then (if there is a fee) the fee recipient.
 */
export function netPositions(tickets: NetTicket[], feeRecipient: string): NetPosition[] {
  const out: NetPosition[] = [];
  const add = (party: string, amount: bigint) => {
    const found = out.find((p) => p.party.toLowerCase() === party.toLowerCase());
    if (found) found.amount += amount;
    else out.push({ party, amount });
  };
  for (const t of tickets) {
    add(t.buyer, -t.cashAmount);
    add(t.seller, t.cashAmount - t.fee);
    if (t.fee !== 0n) add(feeRecipient, t.fee);
  }
  return out;
}

/**
 * The transfers settleNetted makes, in its order: the first net payer pays the first net receiver
 * until one of them is even, then the next; fewer transfers than parties.
 */
export function netTransfers(positions: NetPosition[]): NetTransfer[] {
  const net = positions.map((p) => ({ ...p }));
  const transfers: NetTransfer[] = [];
  let payer = 0;
  let receiver = 0;
  for (;;) {
    while (payer < net.length && net[payer].amount >= 0n) payer++;
    while (receiver < net.length && net[receiver].amount <= 0n) receiver++;
    if (payer === net.length || receiver === net.length) break;
    const owed = -net[payer].amount;
    const due = net[receiver].amount;
    const amount = owed < due ? owed : due;
    net[payer].amount += amount;
    net[receiver].amount -= amount;
    transfers.push({ from: net[payer].party, to: net[receiver].party, amount });
  }
  return transfers;
}

/** Cash transfers gross settlement makes: one per ticket, plus one per non-zero fee. */
export function grossTransferCount(tickets: NetTicket[]): number {
  return tickets.reduce((n, t) => n + (t.fee === 0n ? 1 : 2), 0);
}
