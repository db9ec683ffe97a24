# SPDX-License-Identifier: GPL-2.0-only
#
# The tests of the CLI's documentation that are not Catch2's
# (tests/test_cli_help.cpp checks that --help and the man pages name every
# option): the man pages format without warnings and lexgrog reads their
# NAME (skipped without man-db), and the bash completion completes, alone
# and with Debian's bash-completion loaded (skipped without it).
add_test(NAME man-pages-lint
         COMMAND bash ${PROJECT_SOURCE_DIR}/tests/cli_docs/man_pages.sh ${PROJECT_SOURCE_DIR})
set_tests_properties(man-pages-lint PROPERTIES SKIP_RETURN_CODE 77)
add_test(NAME bash-completion
         COMMAND bash ${PROJECT_SOURCE_DIR}/tests/cli_docs/completion.sh ${PROJECT_SOURCE_DIR}
                 $<TARGET_FILE:ksmsim>)
add_test(NAME bash-completion-with-framework
         COMMAND bash ${PROJECT_SOURCE_DIR}/tests/cli_docs/completion.sh ${PROJECT_SOURCE_DIR}
                 $<TARGET_FILE:ksmsim> --with-bash-completion)
set_tests_properties(bash-completion-with-framework PROPERTIES SKIP_RETURN_CODE 77)
