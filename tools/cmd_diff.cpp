// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim diff A B`: compare two ftrace text traces once what differs by
// nature is dropped (sim/trace/tracediff.cpp, docs/trace-diff.md). Exit 0 when
// they are equivalent, 1 when they differ, 2 on bad usage or an
// unreadable trace.
#include <iostream>

#include "ksmsim/tracediff.h"
#include "tools/cli.h"
#include "tools/help.h"
#include "tools/stdio_args.h"

namespace ksmsim::cli {

namespace {

using Strings = std::vector<std::string>;

std::string parse_diff(const Strings &args, const po::options_description &opts,
                       po::variables_map &vm) {
  po::positional_options_description pos;
  pos.add("traces", 2);
  try {
    po::store(
        po::command_line_parser(args).options(opts).positional(pos).style(option_style()).run(),
        vm);
    po::notify(vm);
  } catch (const po::error &e) {
    return e.what();
  }
  if (!vm.count("traces") || vm["traces"].as<Strings>().size() != 2)
    return "two traces are needed: ksmsim diff A B";
  return "";
}

// Prints the reports; returns 2 when the JSON file cannot be written.
int report(const tracediff::Result &r, int context, const std::string &json_out,
           const Strings &inputs) {
  if (is_stdout(json_out)) {
    std::cout << tracediff::json_report(r, context);
    return 0;
  }
  std::cout << tracediff::text_report(r, context);
  if (json_out.empty())
    return 0;
  if (std::string err = write_file(json_out, tracediff::json_report(r, context), inputs);
      !err.empty()) {
    std::cerr << "ksmsim: diff: " << err << "\n";
    return 2;
  }
  return 0;
}

} // namespace

int cmd_diff(const std::vector<std::string> &args) {
  po::options_description opts("ksmsim diff options");
  tracediff::Options o;
  std::string json_out;
  opts.add_options()("traces", po::value<Strings>(),
                     "the two traces")("context", po::value<int>(&o.context)->default_value(3),
                                       "rows shown before and after the first divergence")(
      "only", po::value<Strings>(&o.only), "compare only EVENT (repeatable; 'ksm_*' is a prefix)")(
      "ignore", po::value<Strings>(&o.ignore), "leave EVENT out (repeatable; 'ksmsim_*' a prefix)")(
      "tasks", po::bool_switch(&o.keep_tasks), "compare task names too, not only ksmd or task")(
      "marks", po::bool_switch(&o.marks),
      "compare tracing_mark_write markers too (left out by default)")(
      "json", po::value<std::string>(&json_out),
      "also write the report as JSON to OUT; '-' prints only the JSON");
  if (int status = answer_help("diff", args, opts); status >= 0)
    return status;
  po::variables_map vm;
  if (std::string err = parse_diff(args, opts, vm); !err.empty())
    return usage_error("diff: " + err);
  if (o.context < 0)
    return usage_error("diff: --context takes a count, 0 or more");
  const Strings &paths = vm["traces"].as<Strings>();
  if (std::string err = check_stdin_inputs({{"A", paths[0]}, {"B", paths[1]}}); !err.empty())
    return usage_error("diff: " + err);
  tracediff::Result r;
  try {
    r = tracediff::diff(tracediff::read_trace(paths[0]), tracediff::read_trace(paths[1]), o);
  } catch (const tracediff::TraceError &e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  if (int rc = report(r, o.context, json_out, paths); rc != 0)
    return rc;
  return r.equivalent() ? 0 : 1;
}

} // namespace ksmsim::cli
