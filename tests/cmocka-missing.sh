#!/bin/sh
# In TESTS only when configure did not find cmocka: the C tests were not
# built, and that is a failure, not a smaller suite.
echo "cmocka was not found when this build was configured: the C test programs were not built."
echo "Install libcmocka-dev (tools/setup.sh --test does) and configure again."
exit 1
