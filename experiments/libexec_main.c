/*
 * libexec_main.c - the entry point of each libexec/hakmem-CMD program:
 * HK_COMMAND names the function that implements CMD.
 */
int HK_COMMAND(int argc, char **argv);

int main(int argc, char **argv)
{
    return HK_COMMAND(argc, argv);
}
