// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim step FILE [--script CMDS]`: the scenario a step at a time, ksmd a
// page at a time (sim/step/session.cpp). Interactive on a terminal, with
// libedit's line editing, history and completion; from a file or stdin
// (`-`) otherwise.
#include <editline/readline.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

#include "ksmsim/stepper.h"
#include "sim/step/session.h"
#include "tools/cli.h"
#include "tools/help.h"
#include "tools/stdio_args.h"
#include "tools/set_option.h"

namespace ksmsim::cli {

namespace {
StepSession *the_session = nullptr; // for the completion callback
std::vector<std::string> candidates;

char *candidate_generator(const char *text, int state) {
  static std::size_t next;
  if (state == 0)
    next = 0;
  return next < candidates.size() ? strdup(candidates[next++].c_str()) : nullptr;
}

char **complete(const char *text, int start, int end) {
  rl_attempted_completion_over = 1; // no file names
  if (!the_session)
    return nullptr;
  candidates =
      complete_word(std::string_view(rl_line_buffer, start), text, the_session->completion_names());
  return rl_completion_matches(text, candidate_generator);
}

std::optional<std::string> read_terminal(const std::string &prompt) {
  char *line = readline(prompt.c_str());
  if (!line)
    return std::nullopt;
  std::string s(line);
  std::free(line);
  if (s.find_first_not_of(" \t") != std::string::npos)
    add_history(s.c_str());
  return s;
}
} // namespace

int cmd_step(const std::vector<std::string> &args) {
  po::options_description opts("ksmsim step options");
  std::string script, kernel;
  opts.add_options()("file", po::value<std::string>(), "the scenario")(
      "script", po::value<std::string>(&script), "read the commands from CMDS (- for stdin)")(
      "kernel", po::value<std::string>(&kernel),
      "kernel profile, e.g. 'v3.9 without stale-stable-sweep'");
  add_set_option(opts);
  if (int status = answer_help("step", args, opts); status >= 0)
    return status;
  po::variables_map vm;
  if (std::string err = parse_command(args, opts, vm); !err.empty())
    return usage_error("step: " + err);
  if (vm["file"].as<std::string>() == "-" && script.empty())
    return usage_error("step: the scenario is read from stdin ('-'), so the commands cannot be: "
                       "give --script CMDS");
  if (std::string err =
          check_stdin_inputs({{"FILE", vm["file"].as<std::string>()}, {"--script", script}});
      !err.empty())
    return usage_error("step: " + err);
  scenario::ParseOptions parse_options;
  if (std::string err = read_set_options(vm, parse_options); !err.empty())
    return usage_error("step: " + err);
  RunOptions ro;
  if (vm.count("kernel"))
    ro.kernel = kernel;
  std::unique_ptr<Stepper> stepper;
  try {
    stepper = std::make_unique<Stepper>(
        scenario::parse_file(vm["file"].as<std::string>(), parse_options), ro);
  } catch (const scenario::ScenarioError &e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  std::ifstream file;
  std::istream *in = &std::cin;
  if (!script.empty() && script != "-") {
    file.open(script);
    if (!file)
      return std::cerr << "ksmsim: cannot read " << script << "\n", 2;
    in = &file;
  }
  const bool terminal = script.empty() && isatty(STDIN_FILENO);
  StepSession::ReadLine read = [in](const std::string &) -> std::optional<std::string> {
    std::string line;
    if (!std::getline(*in, line))
      return std::nullopt;
    return line;
  };
  if (terminal)
    read = read_terminal;
  StepSession session(*stepper, std::cout, read, !terminal);
  the_session = &session;
  rl_attempted_completion_function = complete;
  int rc = session.run();
  the_session = nullptr;
  return rc;
}

} // namespace ksmsim::cli
