/*
 * varint.h - the integer coding of FORMAT.md: LEB128 varints and zigzag.
 *
 * A varint holds an unsigned 64-bit value 7 bits a byte, low bits first;
 * the high bit of a byte says another byte follows.  Only the shortest
 * encoding is valid (no trailing zero groups), so every value has exactly
 * one, of at most HK_VARINT_MAX bytes.  Zigzag folds a signed difference,
 * computed modulo 2^64, onto small unsigned values: 0, -1, 1, -2, 2 ...
 * become 0, 1, 2, 3, 4 ...
 */
#ifndef HK_VARINT_H
#define HK_VARINT_H

#include <stdint.h>

#define HK_VARINT_MAX 10

enum hk_varint_status {
    HK_VARINT_OK,
    HK_VARINT_SHORT, /* runs past the end of the buffer */
    HK_VARINT_BAD    /* longer than 64 bits, or not the shortest encoding */
};

/* Writes v at p (room for HK_VARINT_MAX bytes); returns the end. */
static inline uint8_t *hk_varint_put(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/* Reads the varint at *pp, which must end before `end`; on success
 * advances *pp past it. */
static inline enum hk_varint_status hk_varint_get(const uint8_t **pp,
                                                  const uint8_t *end,
                                                  uint64_t *out)
{
    const uint8_t *p = *pp;
    uint64_t v = 0;

    if (p < end && *p < 0x80) {
        *out = *p;
        *pp = p + 1;
        return HK_VARINT_OK;
    }
    for (unsigned shift = 0; p < end; shift += 7) {
        uint8_t b = *p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (b < 0x80) {
            if (b == 0 || (shift == 63 && b > 1))
                return HK_VARINT_BAD;
            *out = v;
            *pp = p;
            return HK_VARINT_OK;
        }
        if (shift == 63)
            return HK_VARINT_BAD;
    }
    return HK_VARINT_SHORT;
}

static inline uint64_t hk_zigzag(uint64_t d)
{
    return (d << 1) ^ (0 - (d >> 63));
}

static inline uint64_t hk_unzigzag(uint64_t z)
{
    return (z >> 1) ^ (0 - (z & 1));
}

#endif
