/*
 * crc32c.h - CRC-32C (Castagnoli), the frame checksum of FORMAT.md.
 */
#ifndef HK_CRC32C_H
#define HK_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* The CRC of the bytes whose CRC so far is `crc` (0 for none) followed by
 * data[0..len): hk_crc32c(hk_crc32c(0, a), b) is the CRC of a then b. */
uint32_t hk_crc32c(uint32_t crc, const void *data, size_t len);

#endif
