// Noticing that a client went away while its request is still running. cpp-httplib 0.11 gives
// handlers no socket, so the watch finds the connection's socket among the process's open
// descriptors by its two endpoints (the client's address and port, and the server's port), then
// peeks at it: a readable socket with nothing to read has been closed by the client.
#pragma once

#include <string>

namespace internvl::server {

class ConnectionWatch {
 public:
  /// Looks up the socket of the connection from `remote_addr`:`remote_port` to `local_port`.
  ConnectionWatch(const std::string& remote_addr, int remote_port, int local_port);
  /// True once the client has closed its end (false when the socket was not found).
  bool client_closed() const;
  /// Whether the socket was found.
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

}  // namespace internvl::server
