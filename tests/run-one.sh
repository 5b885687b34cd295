#!/bin/sh
# Runs one test under a time limit (VMOPT_TEST_TIMEOUT seconds, default
# 120): a hung test fails (124) rather than hanging the whole run.
case $1 in
*.sh) exec timeout "${VMOPT_TEST_TIMEOUT:-120}" sh "$@" ;;
*) exec timeout "${VMOPT_TEST_TIMEOUT:-120}" "$@" ;;
esac
