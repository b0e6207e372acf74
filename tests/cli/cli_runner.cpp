#include "cli_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/file.h"
#include "support/fixtures.h"

extern char** environ;

namespace internvl::test {

std::string internvl_binary() { return binary_dir() + "/bin/internvl"; }

void write_test_file(const std::string& path, std::string_view bytes) {
  Status st = write_file(path, bytes);
  ASSERT_TRUE(st.ok()) << st.to_string();
}

CliRun run_cli(const std::vector<std::string>& args, std::string_view stdin_text) {
  CliRun run;
  const std::string dir = make_temp_dir("internvl-cli-run");
  const std::string in = dir + "/stdin", out = dir + "/stdout", err = dir + "/stderr";
  if (!write_file(in, stdin_text).ok()) {
    ADD_FAILURE() << "cannot write " << in;
    return run;
  }
  std::vector<std::string> argv_s = {internvl_binary()};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    ADD_FAILURE() << "cannot start " << argv[0] << " (errno " << rc << ")";
    return run;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
  }
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  auto out_text = read_file(out);
  auto err_text = read_file(err);
  run.out = out_text.ok() ? *out_text : "";
  run.err = err_text.ok() ? *err_text : "";
  for (const std::string& f : {in, out, err}) unlink(f.c_str());
  rmdir(dir.c_str());
  return run;
}

CliRun run_cli_with_terminal_stderr(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  CliRun run;
  const int master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
    ADD_FAILURE() << "no pseudo-terminal available";
    if (master >= 0) close(master);
    return run;
  }
  const std::string slave = ptsname(master);
  const std::string dir = make_temp_dir("internvl-cli-tty");
  const std::string out = dir + "/stdout";
  std::vector<std::string> argv_s = {internvl_binary()};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s(env);
  for (char** e = environ; *e != nullptr; ++e) env_s.emplace_back(*e);  // later duplicates lose
  std::vector<char*> envp;
  for (std::string& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, slave.c_str(), O_RDWR | O_NOCTTY, 0);
  posix_spawn_file_actions_addclose(&actions, master);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    close(master);
    ADD_FAILURE() << "cannot start " << argv[0] << " (errno " << rc << ")";
    return run;
  }
  // Drain the terminal while the program runs, so its writes never block on a full buffer.
  int status = 0;
  bool exited = false;
  char buf[4096];
  while (true) {
    pollfd p{master, POLLIN, 0};
    if (poll(&p, 1, 50) > 0 && (p.revents & POLLIN) != 0) {
      const ssize_t n = read(master, buf, sizeof buf);
      if (n > 0) {
        run.err.append(buf, static_cast<std::size_t>(n));
        continue;
      }
    }
    if (exited) break;  // one more drain after the exit, then done
    if (waitpid(pid, &status, WNOHANG) == pid) exited = true;
  }
  close(master);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  auto out_text = read_file(out);
  run.out = out_text.ok() ? *out_text : "";
  unlink(out.c_str());
  rmdir(dir.c_str());
  return run;
}

::testing::AssertionResult fails_with_one_line(const CliRun& run, std::string_view command, std::string_view needle) {
  auto fail = [&](std::string_view why) {
    return ::testing::AssertionFailure() << why << "\n  exit code " << run.exit_code << "\n  stdout: " << run.out
                                         << "\n  stderr: " << run.err;
  };
  if (run.exit_code == 0) return fail("exit code 0");
  if (run.exit_code >= 128) return fail("killed by a signal");
  if (!run.out.empty()) return fail("something was printed on stdout");
  const std::string prefix = "internvl " + std::string(command) + ": ";
  if (run.err.rfind(prefix, 0) != 0) return fail("stderr does not start with '" + prefix + "'");
  if (run.err.empty() || run.err.back() != '\n' || run.err.find('\n') != run.err.size() - 1) {
    return fail("stderr is not exactly one line");
  }
  if (run.err.find(needle) == std::string::npos) return fail("stderr does not mention '" + std::string(needle) + "'");
  return ::testing::AssertionSuccess();
}

Json parse_stdout_json(const CliRun& run) {
  auto j = parse_json(run.out, "stdout");
  if (!j.ok()) {
    ADD_FAILURE() << j.status().to_string() << "\n  stdout: " << run.out << "\n  stderr: " << run.err;
    return Json();
  }
  return std::move(j).value();
}

}  // namespace internvl::test
