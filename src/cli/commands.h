// The subcommands of the `internvl` program; main.cpp dispatches argv[1] to one of them. Each
// takes the arguments after the program name (argv[0] is the subcommand) and returns the exit
// code: 0 success, 1 the work failed, 2 a bad command line.
#pragma once

namespace internvl::cli {

/// `internvl run`: one conversation, one answer (streamed, or --json).
int cmd_run(int argc, char** argv);
/// `internvl chat`: an interactive multi-turn session on stdin.
int cmd_chat(int argc, char** argv);
/// `internvl batch`: JSONL conversations in, JSONL answers out.
int cmd_batch(int argc, char** argv);
/// `internvl preprocess`: tile grids, token counts and pixel dumps of images/videos.
int cmd_preprocess(int argc, char** argv);
/// `internvl tokenize`: token ids of a text or a conversation.
int cmd_tokenize(int argc, char** argv);
/// `internvl info`: architecture, parameters, dtypes, memory of a model.
int cmd_info(int argc, char** argv);
/// `internvl make-random-checkpoint`: a model directory with random weights.
int cmd_make_random_checkpoint(int argc, char** argv);
/// `internvl quantize`: a q8/q4 copy of a model directory.
int cmd_quantize(int argc, char** argv);
/// `internvl bench`: speed and memory on this machine.
int cmd_bench(int argc, char** argv);

}  // namespace internvl::cli
