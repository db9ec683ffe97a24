# SPDX-License-Identifier: GPL-2.0-only
#
# The HTML report (sim/report/html_report.*): Chart.js, from Debian's
# libjs-chart.js, is found here and read at run time from this path (the
# page inlines it); the page's own script, sim/report/html_report.js, is
# embedded at build time as a generated header.
find_file(KSMSIM_CHARTJS NAMES chart.min.js chart.umd.min.js
          PATHS /usr/share/javascript/chart.js /usr/share/javascript/chartjs NO_DEFAULT_PATH)
if(NOT KSMSIM_CHARTJS)
  set(KSMSIM_CHARTJS /usr/share/javascript/chart.js/chart.min.js)
endif()
set(KSMSIM_PAGE_JS ${PROJECT_SOURCE_DIR}/sim/report/html_report.js)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${KSMSIM_PAGE_JS})
file(READ ${KSMSIM_PAGE_JS} KSMSIM_PAGE_JS_TEXT)
file(WRITE ${PROJECT_BINARY_DIR}/generated/html_report_js.h.new
     "// Generated from sim/report/html_report.js by cmake/html_report.cmake.\n"
     "#pragma once\nnamespace ksmsim {\ninline constexpr const char HTML_REPORT_JS[] = R\"ksmsimjs(${KSMSIM_PAGE_JS_TEXT})ksmsimjs\";\n}\n")
configure_file(${PROJECT_BINARY_DIR}/generated/html_report_js.h.new
               ${PROJECT_BINARY_DIR}/generated/html_report_js.h COPYONLY)
target_include_directories(ksmsim_core PRIVATE ${PROJECT_BINARY_DIR}/generated)
target_compile_definitions(ksmsim_core PRIVATE KSMSIM_CHARTJS_PATH="${KSMSIM_CHARTJS}")

if(NOT KSMSIM_TESTS)
  return()
endif()
# The report in headless Chromium (skipped when chromium is missing), and
# two reports of one scenario byte for byte the same.
add_test(NAME report-browser
         COMMAND python3 ${PROJECT_SOURCE_DIR}/tests/browser/report_in_browser.py $<TARGET_FILE:ksmsim>
                 ${PROJECT_SOURCE_DIR}/scenarios/basics/fork-cow.yaml ${PROJECT_BINARY_DIR}/report-browser)
set_tests_properties(report-browser PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
add_test(NAME report-deterministic
         COMMAND sh -c "\"$0\" report \"$1\" -o \"$2/a.html\" && \"$0\" run \"$1\" --quiet --html \"$2/b.html\" && cmp \"$2/a.html\" \"$2/b.html\""
                 $<TARGET_FILE:ksmsim> ${PROJECT_SOURCE_DIR}/scenarios/basics/fork-cow.yaml ${PROJECT_BINARY_DIR})
