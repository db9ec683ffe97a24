// SPDX-License-Identifier: GPL-2.0-only
#include "tools/help.h"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <map>

namespace ksmsim::cli {

namespace {

// This CLI's names for option values, by the option's long name (an
// option given its own ->value_name() keeps that). File kinds the bash
// completion knows: FILE, OUT, CMDS (files), DIR (directories), PROFILE
// (ksmsim --list-kernels), POINT (ksmsim --list-points), a|b|c (words).
const std::map<std::string, std::string> &value_names() {
  static const std::map<std::string, std::string> names = {
      {"file", "FILE"},
      {"traces", "A B"},
      {"trace", "OUT"},
      {"json", "OUT"},
      {"html", "OUT"},
      {"output", "OUT"},
      {"timeline", "OUT"},
      {"dump-dir", "DIR"},
      {"emit-regression", "DIR"},
      {"format", "human|tap|junit"},
      {"out", "DIR"},
      {"trace-dir", "DIR"},
      {"script", "CMDS"},
      {"kernel", "PROFILE"},
      {"check", "step|page|off"},
      {"trace-format", "ftrace|chrome-json"},
      {"trace-level", "default|explain"},
      {"dump-format", "text|json|dot|svg"},
      {"dump-each", "checkpoint"},
      {"dump-at", "STEP[,STEP...]"},
      {"timeline-period", "MS"},
      {"max-virtual-time", "TIME"},
      {"max-ksmd-batches", "N"},
      {"max-steps", "N"},
      {"max-runs", "N"},
      {"jobs", "N"},
      {"context", "N"},
      {"only", "EVENT"},
      {"ignore", "EVENT"},
      {"max-live-time", "SECONDS"},
  };
  return names;
}

const char *const BOOST_DEFAULT_NAME = "arg";

// The semantic's name() without a default's " (=X)"; the default in *dflt.
std::string semantic_name(const po::option_description &o, std::string *dflt) {
  std::string name = o.semantic()->name();
  if (std::size_t p = name.find(" (="); p != std::string::npos && name.back() == ')') {
    if (dflt)
      *dflt = name.substr(p + 3, name.size() - p - 4);
    name.erase(p);
  }
  return name;
}

std::string short_name(const po::option_description &o) {
  std::string s = o.canonical_display_name(po::command_line_style::allow_dash_for_short);
  return s.size() == 2 && s[0] == '-' ? s : "";
}

// "-o, --output OUT" or "--trace OUT" or "--quiet".
std::string option_names(const po::option_description &o) {
  std::string left = short_name(o);
  if (!left.empty())
    left += ", ";
  left += "--" + o.long_name();
  if (std::string v = value_name(o); !v.empty())
    left += " " + v;
  return left;
}

const po::option_description *find_option(const po::options_description &opts,
                                          const std::string &key) {
  return opts.find_nothrow(key, false, false, false);
}

// text folded at spaces into lines of at most 80 columns, the first after
// `lead`, the others indented as far.
std::string fold(const std::string &lead, const std::string &text) {
  std::string out = lead, indent(lead.size(), ' ');
  std::size_t column = lead.size();
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(' ', pos);
    std::string word = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? text.size() : end + 1;
    if (column > lead.size() && column + 1 + word.size() > 80) {
      out += "\n" + indent;
      column = indent.size();
    } else if (column > lead.size()) {
      out += ' ';
      column++;
    }
    out += word;
    column += word.size();
  }
  return out + "\n";
}

enum class Asked { nothing, help, list };

// What args ask for: a -h, --help or --list-options that is not the value
// of the option before it; nothing after "--".
Asked asked_for(const std::vector<std::string> &args, const po::options_description &opts) {
  for (std::size_t i = 0; i < args.size(); i++) {
    const std::string &a = args[i];
    if (a == "--")
      break;
    if (a == "--help" || a == "-h")
      return Asked::help;
    if (a == "--list-options")
      return Asked::list;
    std::string key;
    if (a.size() > 2 && a.compare(0, 2, "--") == 0 && a.find('=') == std::string::npos)
      key = a.substr(2);
    else if (a.size() == 2 && a[0] == '-' && a[1] != '-')
      key = a;
    if (key.empty())
      continue;
    if (const po::option_description *o = find_option(opts, key); o && o->semantic()->max_tokens())
      i++; // its value, whatever it looks like
  }
  return Asked::nothing;
}

} // namespace

bool is_positional(const po::option_description &o) {
  return o.long_name() == "file" || o.long_name() == "traces";
}

std::string value_name(const po::option_description &o) {
  if (o.semantic()->max_tokens() == 0)
    return "";
  std::string name = semantic_name(o, nullptr);
  if (name != BOOST_DEFAULT_NAME)
    return name;
  auto it = value_names().find(o.long_name());
  return it == value_names().end() ? "VALUE" : it->second;
}

int answer_help(const std::string &command, const std::vector<std::string> &args,
                po::options_description &opts) {
  opts.add_options()("help,h", "print this help and exit")(
      "list-options", "print the options, one a line (what the bash completion reads)");
  const CommandInfo *c = find_command(command);
  switch (c ? asked_for(args, opts) : Asked::nothing) {
  case Asked::help:
    std::cout << command_help(*c, opts);
    return 0;
  case Asked::list:
    std::cout << option_list(opts);
    return 0;
  case Asked::nothing:
    break;
  }
  return -1;
}

std::string command_help(const CommandInfo &c, const po::options_description &opts) {
  std::vector<std::pair<std::string, std::string>> arguments, rows; // names, description
  for (const auto &o : opts.options()) {
    if (is_positional(*o)) {
      arguments.emplace_back(value_name(*o), o->description());
      continue;
    }
    std::string text = o->description();
    std::string dflt;
    semantic_name(*o, &dflt);
    if (o->semantic()->max_tokens() && !dflt.empty() && text.find("default") == std::string::npos)
      text += fmt::format(" (default {})", dflt);
    rows.emplace_back(option_names(*o), text);
  }
  std::size_t width = 0;
  for (const auto &rs : {arguments, rows})
    for (const auto &[left, text] : rs)
      width = std::max(width, std::min<std::size_t>(left.size(), 30));
  std::string about = c.about;
  std::replace(about.begin(), about.end(), '\n', ' ');
  std::string out =
      fmt::format("usage: ksmsim {} {} [OPTIONS]\n\n", c.name, c.arguments) + fold("", about);
  if (!arguments.empty())
    out += "\narguments:\n";
  for (const auto &[left, text] : arguments)
    out += fmt::format("  {:<{}}  {}\n", left, width, text);
  out += "\noptions:\n";
  for (const auto &[left, text] : rows)
    out += fmt::format("  {:<{}}  {}\n", left, width, text);
  out += "\n" + fold("", "A FILE, CMDS or trace argument '-' is stdin (only one of them). An OUT "
                         "'-' is stdout (only one of them); what the command prints there "
                         "otherwise then goes to stderr. A DIR cannot be '-'.");
  out += "\nexit status:\n";
  for (const auto &[code, meaning] : c.exit_status)
    out += fold(fmt::format("  {}  ", code), meaning);
  out += fmt::format("\nThe manual: man ksmsim-{}\n", c.name);
  return out;
}

std::string option_list(const po::options_description &opts) {
  std::string out;
  for (const auto &o : opts.options()) {
    if (is_positional(*o))
      continue;
    std::string v = value_name(*o);
    std::string tail = v.empty() ? "" : " " + v;
    out += "--" + o->long_name() + tail + "\n";
    if (std::string s = short_name(*o); !s.empty())
      out += s + tail + "\n";
  }
  return out;
}

std::string top_level_help() {
  std::string out = "ksmsim " KSMSIM_VERSION ": a deterministic simulator of Linux 3.9 KSM\n\n";
  const char *lead = "usage:";
  for (const CommandInfo &c : commands()) {
    out += fmt::format("{:<6} ksmsim {} {} [OPTIONS]\n", lead, c.name, c.arguments);
    lead = "";
  }
  out += "       ksmsim COMMAND --help\n"
         "       ksmsim --help | --version | --list-kernels | --list-points\n\ncommands:\n";
  for (const CommandInfo &c : commands())
    out += fmt::format("  {:<9}{}\n", c.name, c.summary);
  out += "\noptions:\n"
         "  -h, --help      print this help and exit (ksmsim COMMAND --help: that command's)\n"
         "  --version       print the version and the git revision it was built from\n"
         "  --list-kernels  print the kernel profiles that --kernel takes, one a line\n"
         "  --list-points   print every preemption point an interleave: can name, one a line\n"
         "\nexit status (each command's --help says what its codes mean):\n"
         "  0  success: every expectation held, nothing found, the traces are equivalent\n"
         "  1  the command ran and found a failure: an expectation failed or the kernel oopsed\n"
         "     (run, report, record), a placement breaks (explore), the traces or the counters\n"
         "     differ (diff, compare)\n"
         "  2  the command line or the scenario is wrong, an input cannot be read or an output\n"
         "     written, a budget was passed; record and compare: the live kernel refused\n"
         "\nThe manual: man ksmsim, and man ksmsim-COMMAND for each command.\n";
  return out;
}

} // namespace ksmsim::cli
