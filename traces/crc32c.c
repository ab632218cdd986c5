/*
 * crc32c.c - CRC-32C in software, slicing by 8.
 *
 * The iSCSI / ext4 / SSE4.2 variant: reflected polynomial 0x82F63B78,
 * initial value and final xor 0xFFFFFFFF, so the CRC of "123456789" is
 * 0xE3069283.  table[k][b] is the CRC contribution of byte b followed by
 * k zero bytes, which lets the loop fold eight bytes per step.  The tables
 * are built once, on first use, under pthread_once.
 */
#include "crc32c.h"

#include <pthread.h>

#define POLY 0x82F63B78u

static uint32_t table[8][256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void table_build(void)
{
    for (uint32_t b = 0; b < 256; b++) {
        uint32_t c = b;
        for (int bit = 0; bit < 8; bit++)
            c = (c >> 1) ^ (POLY & (0u - (c & 1)));
        table[0][b] = c;
    }
    for (uint32_t b = 0; b < 256; b++)
        for (int k = 1; k < 8; k++)
            table[k][b] = (table[k - 1][b] >> 8) ^
                          table[0][table[k - 1][b] & 0xff];
}

static uint32_t step(uint32_t crc, uint8_t byte)
{
    return table[0][(crc ^ byte) & 0xff] ^ (crc >> 8);
}

uint32_t hk_crc32c(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;

    pthread_once(&table_once, table_build);
    crc = ~crc;
    for (; len >= 8; p += 8, len -= 8) {
        uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
                             (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
        crc = table[7][lo & 0xff] ^ table[6][(lo >> 8) & 0xff] ^
              table[5][(lo >> 16) & 0xff] ^ table[4][lo >> 24] ^
              table[3][p[4]] ^ table[2][p[5]] ^ table[1][p[6]] ^
              table[0][p[7]];
    }
    for (; len > 0; len--)
        crc = step(crc, *p++);
    return ~crc;
}
