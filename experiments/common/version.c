/*
 * version.c - the release and the git description, given by the
 * Makefile as HK_VERSION and HK_GIT_DESCRIBE when this file is compiled
 * (it is compiled again whenever either changes).
 */
#include "experiments/common/version.h"

const char hk_version[] = HK_VERSION;
const char hk_git_describe[] = HK_GIT_DESCRIBE;
