#include "cli/exit_codes.hpp"

#include <new>
#include <ostream>

#include "cli/commands.hpp"
#include "core/file_format.hpp"
#include "core/parallel.hpp"

namespace lutfhe::cli {

std::string one_line(std::string message) {
  for (char& c : message) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';
  }
  while (!message.empty() && message.back() == ' ') message.pop_back();
  return message;
}

int run_reporting_errors(const std::function<int()>& body, std::ostream& err) {
  const auto usage = [&](const std::exception& e) {
    err << "lutfhe: error: " << one_line(e.what()) << '\n';
    return kExitUsage;
  };
  const auto internal = [&](const std::string& what) {
    err << "lutfhe: internal error: " << one_line(what) << '\n';
    return kExitInternal;
  };
  try {
    return body();
  } catch (const FileFormatError& e) {
    return usage(e);
  } catch (const KeyMismatch& e) {
    return usage(e);
  } catch (const FileAccessError& e) {
    return usage(e);
  } catch (const InvalidArgument& e) {  // UsageError included
    return usage(e);
  } catch (const DimensionMismatch& e) {
    return usage(e);
  } catch (const std::bad_alloc&) {
    return internal("out of memory");
  } catch (const std::exception& e) {
    return internal(e.what());
  } catch (...) {
    return internal("unknown exception");
  }
}

void add_threads_option(CLI::App* sub, int& threads, const std::string& help) {
  sub->add_option("--threads", threads,
                  help + " (0: all cores, at most " + std::to_string(kMaxThreads) + ")")
      ->check(CLI::Range(0, kMaxThreads));
}

}  // namespace lutfhe::cli
