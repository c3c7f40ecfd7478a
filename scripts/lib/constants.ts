/** Constants shared by scripts, tasks and tests. */
/** Mirrors contracts/identity/ParticipantAttributes.sol. */
export const Attr = {
  INVESTOR: 1 << 0,
  QUALIFIED_INVESTOR: 1 << 1,
  SUPPLIER: 1 << 2,
  FINANCIER: 1 << 3,
  DEBTOR: 1 << 4,
  CREDIT_OFFICER: 1 << 5,
} as const;

/** Mirrors contracts/token/TransferRestrictions.sol. */
export const Restriction = {
  NONE: 0,
  PAUSED: 1,
  WALLET_FROZEN: 2,
  INSUFFICIENT_UNFROZEN_BALANCE: 3,
  SENDER_NOT_VERIFIED: 4,
  RECIPIENT_NOT_VERIFIED: 5,
  RECIPIENT_MISSING_ATTRIBUTES: 6,
  COUNTRY_NOT_ALLOWED: 7,
  ENTITY_BALANCE_LIMIT: 8,
  HOLDER_LIMIT: 9,
  TOKENS_LOCKED: 10,
  COMPLIANCE_HOOK_REJECTED: 11,
} as const;

/** ISO 3166-1 numeric codes used in tests and the demo. */
export const Country = { CN: 156, HK: 344, SG: 702, US: 840, KP: 408 } as const;
