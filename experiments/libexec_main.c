/*
 * libexec_main.c - the entry point of each libexec/hakmem-CMD program:
 * HK_COMMAND names the function that implements CMD, HK_NAME is CMD.
 */
#include "experiments/common/stdout_close.h"

int HK_COMMAND(int argc, char **argv);

int main(int argc, char **argv)
{
    return hk_stdout_close(HK_NAME, HK_COMMAND(argc, argv));
}
