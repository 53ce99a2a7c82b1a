// Register allocation for the rule builder, so that callers never choose
// registers. Registers are counted in 32-bit slots (NFT_REG32_00..15) and
// written with the kernel's old 128-bit numbers (NFT_REG_1..4) when a slot
// starts one, as nft does, so our rules are byte-identical to nft's.
import { K } from '../../bindings';

const SLOTS = K.NFT_REG32_15 - K.NFT_REG32_00 + 1;
const SLOTS_PER_REG = K.NFT_REG_SIZE / K.NFT_REG32_SIZE;

export class Registers {
  private next = 0;

  /** A register holding `bytes` bytes (rounded up to whole slots); its kernel number. */
  alloc(bytes: number): number {
    const slots = Math.max(1, Math.ceil(bytes / K.NFT_REG32_SIZE));
    if (this.next + slots > SLOTS) throw new RangeError(`rule needs more than ${SLOTS * K.NFT_REG32_SIZE} bytes of registers`);
    const slot = this.next;
    this.next += slots;
    return Registers.number(slot);
  }

  /** Frees everything: registers live only for one match or statement. */
  reset(): void { this.next = 0; }

  /** The kernel number of a 32-bit slot. */
  static number(slot: number): number {
    return slot % SLOTS_PER_REG === 0 ? K.NFT_REG_1 + slot / SLOTS_PER_REG : K.NFT_REG32_00 + slot;
  }

  /** The register `offset` bytes after `reg` (a field of a concatenation). */
  static offset(reg: number, offset: number): number {
    const slot = reg >= K.NFT_REG32_00 ? reg - K.NFT_REG32_00 : (reg - K.NFT_REG_1) * SLOTS_PER_REG;
    return Registers.number(slot + offset / K.NFT_REG32_SIZE);
  }
}
