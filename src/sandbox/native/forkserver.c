/*
 * The per-job loop of a sandbox slot's fork-server, in C.
 *
 * The slot's Python server (coderl_sandbox/server.py) starts the interpreter, preimports
 * modules, empties the capability bounding set, installs seccomp and freezes the heap;
 * then it calls coderl_serve(), which never returns in the server except to stop. Each
 * job is read, forked, supervised and answered here. Why C: after every fork all of the
 * server's pages are shared copy-on-write with the child, so every page a Python-level
 * loop touches costs a page fault per job (~600 of them, about 1.7 ms of CPU per job on
 * our 2-core VMs). This loop touches a few pages of its own.
 *
 * The child for the next job is forked ahead, while the slot waits for work (struct
 * spare): it sets up its descriptors and runs the interpreter's after-fork hook, then
 * blocks on a "go" pipe, still root. When the job arrives the server writes main.py and
 * sends the request; the child reads its code, applies the job's rlimits and the slot's
 * credentials, and coderl_serve() returns 1 there with the job in `coderl_child`; the
 * Python caller runs the program (child.py). Everything reported to
 * the host (exit status, signal, wall and CPU time, output) is observed here, outside
 * the child. Status classification happens on the host (src/sandbox/result.ts).
 *
 * Wire format (little-endian; src/sandbox/protocol.ts is the host side):
 *   request  struct request (80 bytes) + code + stdin
 *   response struct response (64 bytes) + stdout + stderr + vars + setup
 * Job bytes (code, stdin, outputs) live only in buffers that are zeroed before they are
 * released, so a later job forked from this process cannot find them in its memory.
 *
 * Built on first use by src/sandbox/native.ts with the system C compiler; no Python
 * headers are needed (the Python side calls in through ctypes).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Older C library headers lack these; the numbers are the same on x86_64 and aarch64. */
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

#define REQUEST_MAGIC 0x31514c43u  /* "CLQ1" */
#define RESPONSE_MAGIC 0x31534c43u /* "CLS1" */
#define KIND_RUN 1u
#define KIND_SHUTDOWN 2u

#define FLAG_TIMED_OUT 1u
#define FLAG_OUTPUT_LIMITED 2u
#define FLAG_STDOUT_TRUNCATED 4u
#define FLAG_STDERR_TRUNCATED 8u
#define FLAG_VARS_TRUNCATED 16u

#define CAPTURE_NONE 0u
#define CAPTURE_MAX 2u

/* Return codes of coderl_serve. */
#define SERVE_STOP 0
#define SERVE_CHILD 1
#define SERVE_BROKEN 3
#define SERVE_PROTOCOL 4

/* Child fds (child.py agrees): the server keeps 0-4 occupied, so pipe ends land at 5+. */
#define FD_VARS 3
#define FD_SETUP 4
#define FD_GO 5 /* the spare child's end of its go pipe, until the job arrives */
#define FIRST_FREE_FD 5
#define SETUP_FAILED 125

#define MAX_PAYLOAD_BYTES (512u << 20)
#define READ_CHUNK (1 << 16)
#define INITIAL_BUFFER_BYTES 4096
#define SETUP_MAX_BYTES 600
#define REAP_DEADLINE_NS 2000000000LL
#define SCRATCH_MAX_DEPTH 256
/* For this long after fork the server waits only for the program's exit (and feeds its
 * stdin): most programs finish within it, and each pipe wakeup is a context switch (often
 * a cross-CPU interrupt). Output piles up in the pipes meanwhile, enlarged to hold it. */
#define QUIET_NS 5000000LL
#define OUTPUT_PIPE_BYTES (1 << 20)

struct request {
    uint32_t magic, kind;
    uint64_t id;
    uint32_t code_len, stdin_len;
    uint32_t timeout_ms, cpu_limit_s;
    uint64_t memory_bytes, file_size_bytes; /* memory 0 = no address-space limit */
    uint32_t open_files, processes;
    uint32_t stdout_max, stderr_max;
    uint32_t vars_max, capture;
    uint32_t trajectory_max_steps, program; /* program: 0, or 1 + a preloaded program's index */
};

struct response {
    uint32_t magic, flags;
    uint64_t id;
    int32_t exit_code, signal; /* -1 where not applicable */
    uint64_t wall_us, cpu_us, max_rss_kb;
    uint32_t stdout_len, stderr_len, vars_len, setup_len;
};

_Static_assert(sizeof(struct request) == 80, "request layout");
_Static_assert(sizeof(struct response) == 64, "response layout");

/* Filled by the Python server (ctypes Structure in server.py). The three hooks are the
 * interpreter's PyOS_BeforeFork / PyOS_AfterFork_Parent / PyOS_AfterFork_Child: the
 * documented protocol around fork(), which 3.13 enforces (its after-fork child hook
 * releases the import lock the before-fork hook took). The GIL is held throughout:
 * Python calls in through ctypes.PyDLL. */
struct settings {
    int32_t fd_in, fd_out;
    int32_t isolated, uid, gid, server_pid;
    const char *scratch, *main_path;
    void (*before_fork)(void);
    void (*after_fork_parent)(void);
    void (*after_fork_child)(void);
};

/* What the Python side of the child reads after coderl_serve returned SERVE_CHILD. */
struct child_job {
    uint32_t capture, trajectory_max_steps;
    const uint8_t *code;
    uint64_t code_len;
    uint32_t program, reserved;
};

struct child_job coderl_child;
char coderl_error[512];

static int fail(int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(coderl_error, sizeof coderl_error, fmt, ap);
    va_end(ap);
    return code;
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- zeroing buffers ---------------------------------------------------------- */

/* Zeroing uses explicit_bzero, never memset: a memset right before free() is a dead store
 * the compiler may drop, and the security test's memory scan catches exactly that. */

struct buffer {
    uint8_t *data;
    size_t size, len, cap;
    int over; /* more than cap bytes arrived; the excess was discarded */
};

static void buffer_init(struct buffer *b, size_t cap) {
    b->size = cap + 1 < INITIAL_BUFFER_BYTES ? cap + 1 : INITIAL_BUFFER_BYTES;
    b->data = calloc(1, b->size);
    b->len = 0;
    b->cap = cap;
    b->over = 0;
}

static void buffer_release(struct buffer *b) {
    if (!b->data) return;
    explicit_bzero(b->data, b->len + 1 < b->size ? b->len + 1 : b->size);
    free(b->data);
    b->data = NULL;
    b->len = 0;
}

/* Read once from fd: 1 = got bytes, 0 = end of file, -1 = would block (or error). */
static int buffer_read_from(struct buffer *b, int fd) {
    ssize_t n;
    if (!b->data) return -1;
    if (b->len >= b->cap) {
        static uint8_t sink[READ_CHUNK];
        n = read(fd, sink, sizeof sink);
        if (n > 0) {
            explicit_bzero(sink, (size_t)n);
            b->over = 1;
        }
    } else {
        if (b->len == b->size) {
            size_t grown = b->size * 4 < b->cap + 1 ? b->size * 4 : b->cap + 1;
            uint8_t *next = malloc(grown);
            if (!next) return -1; /* keep what we have; the child blocks, then times out */
            memcpy(next, b->data, b->len);
            explicit_bzero(b->data, b->size); /* zero the old copy before dropping it */
            free(b->data);
            b->data = next;
            b->size = grown;
        }
        size_t limit = b->size < b->cap + 1 ? b->size : b->cap + 1;
        n = read(fd, b->data + b->len, limit - b->len);
        if (n > 0) {
            b->len += (size_t)n;
            if (b->len > b->cap) {
                b->len = b->cap;
                b->over = 1;
            }
        }
    }
    if (n > 0) return 1;
    if (n == 0) return 0;
    return -1;
}

/* Read what is buffered now, without waiting (the program is gone). */
static void buffer_drain(struct buffer *b, int fd) {
    while (buffer_read_from(b, fd) > 0 && !b->over) {
    }
}

/* ---- small helpers -------------------------------------------------------------- */

static int read_exact(int fd, void *dst, size_t n, int *eof_at_start) {
    uint8_t *p = dst;
    size_t got = 0;
    while (got < n) {
        ssize_t k = read(fd, p + got, n - got);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return -1;
        if (k == 0) {
            if (eof_at_start) *eof_at_start = got == 0;
            return -1;
        }
        got += (size_t)k;
    }
    return 0;
}

static int write_all(int fd, const void *src, size_t n) {
    const uint8_t *p = src;
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static int writev_all(int fd, struct iovec *iov, int count) {
    while (count > 0) {
        ssize_t k = writev(fd, iov, count);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return -1;
        while (count > 0 && (size_t)k >= iov->iov_len) {
            k -= (ssize_t)iov->iov_len;
            iov++;
            count--;
        }
        if (count > 0) {
            iov->iov_base = (uint8_t *)iov->iov_base + k;
            iov->iov_len -= (size_t)k;
        }
    }
    return 0;
}

static void set_nonblocking(int fd) {
    /* Our pipe ends carry no other status flags (pipe2 gave them only O_CLOEXEC). */
    fcntl(fd, F_SETFL, O_NONBLOCK);
}

static void close_fd(int *fd) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

/* ---- the child ---------------------------------------------------------------- */

static void child_fail(const char *what) {
    char msg[SETUP_MAX_BYTES];
    int n = snprintf(msg, sizeof msg, "E%s: %s", what, strerror(errno));
    if (n > 0) (void)!write(FD_SETUP, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
    _exit(SETUP_FAILED);
}

static void set_limit(int which, rlim_t soft, rlim_t hard, const char *name) {
    struct rlimit lim = {soft, hard};
    if (setrlimit(which, &lim) != 0) child_fail(name);
}

/* The job-independent part, run as soon as the spare is forked: descriptors (the go pipe
 * at FD_GO) and the core limit. The spare stays root until its job arrives, so between
 * jobs no process of the slot's uid exists. seccomp and the empty bounding set are
 * inherited from the server. */
static void child_prepare(const struct settings *s, int stdin_r, int out_w, int err_w, int vars_w, int setup_w, int go_r) {
    if (stdin_r < FIRST_FREE_FD || out_w < FIRST_FREE_FD || err_w < FIRST_FREE_FD || vars_w < FIRST_FREE_FD ||
        setup_w < FIRST_FREE_FD || go_r < FIRST_FREE_FD)
        _exit(SETUP_FAILED); /* server invariant broken: a move would clobber a source */
    if (dup2(stdin_r, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0) child_fail("dup2");
    if (dup3(vars_w, FD_VARS, O_CLOEXEC) < 0) child_fail("dup3");
    if (dup3(setup_w, FD_SETUP, O_CLOEXEC) < 0) _exit(SETUP_FAILED);
    if (go_r != FD_GO && dup3(go_r, FD_GO, O_CLOEXEC) < 0) child_fail("dup3");
    /* Every other server fd, the pipe sources included. */
    if (syscall(SYS_close_range, FD_GO + 1, ~0U, 0) != 0) {
        long max_fd = sysconf(_SC_OPEN_MAX);
        for (long fd = FD_GO + 1; fd < max_fd; fd++) close((int)fd);
    }
    /* The cwd is the scratch directory already (the server runs there). */
    set_limit(RLIMIT_CORE, 0, 0, "setrlimit(RLIMIT_CORE)");
    if (!s->isolated) {
        /* Leftovers are found by process group; the parent-death signal covers a dead
         * server. Isolated slots need neither: kill(-1) in the pid namespace, and bwrap
         * (pid 1) takes the namespace down with it. */
        if (setsid() < 0) child_fail("setsid");
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) child_fail("prctl(PR_SET_PDEATHSIG)");
        if (getppid() != s->server_pid) _exit(SETUP_FAILED); /* the server died before prctl */
    }
}

/* Wait for the job (its request struct on the go pipe), read its code from main.py, then
 * apply the job's limits and the slot's credentials, in that order (credentials last:
 * setting limits and uids needs root). The end of the go pipe means the server stops. */
static void child_await_job(const struct settings *s) {
    struct request req;
    if (read_exact(FD_GO, &req, sizeof req, NULL) != 0) _exit(0);
    close(FD_GO);
    if (req.capture == CAPTURE_NONE) close(FD_VARS);
    uint8_t *code = malloc(req.code_len ? req.code_len : 1);
    if (!code) child_fail("malloc");
    if (req.code_len) {
        int fd = open(s->main_path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) child_fail("open main.py");
        if (read_exact(fd, code, req.code_len, NULL) != 0) child_fail("read main.py");
        close(fd);
    }
    coderl_child = (struct child_job){req.capture, req.trajectory_max_steps, code, req.code_len, req.program, 0};
    /* CPU: SIGXCPU at the soft limit first, SIGKILL one second later. */
    set_limit(RLIMIT_CPU, req.cpu_limit_s, (rlim_t)req.cpu_limit_s + 1, "setrlimit(RLIMIT_CPU)");
    set_limit(RLIMIT_FSIZE, req.file_size_bytes, req.file_size_bytes, "setrlimit(RLIMIT_FSIZE)");
    set_limit(RLIMIT_NOFILE, req.open_files, req.open_files, "setrlimit(RLIMIT_NOFILE)");
    if (req.memory_bytes > 0) set_limit(RLIMIT_AS, req.memory_bytes, req.memory_bytes, "setrlimit(RLIMIT_AS)");
    if (s->isolated) {
        /* RLIMIT_NPROC counts every process of the real uid; the slot uid is ours alone. */
        set_limit(RLIMIT_NPROC, req.processes, req.processes, "setrlimit(RLIMIT_NPROC)");
        /* setresuid away from 0 clears every capability (the bounding set is empty). */
        if (setgroups(0, NULL) != 0) child_fail("setgroups");
        if (setresgid(s->gid, s->gid, s->gid) != 0) child_fail("setresgid");
        if (setresuid(s->uid, s->uid, s->uid) != 0) child_fail("setresuid");
    }
}

/* ---- killing and reaping ---------------------------------------------------------- */

/* Children of this server found through /proc (unsafe mode only: no pid namespace). */
static void kill_children_by_proc(void) {
    DIR *proc = opendir("/proc");
    if (!proc) return;
    pid_t self = getpid();
    struct dirent *e;
    while ((e = readdir(proc))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n <= 0) continue;
        buf[n] = 0;
        char *paren = strrchr(buf, ')');
        int ppid;
        char state;
        if (!paren || sscanf(paren + 1, " %c %d", &state, &ppid) != 2 || ppid != self) continue;
        pid_t pid = (pid_t)atoi(e->d_name);
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
    }
    closedir(proc);
}

static void kill_job(const struct settings *s, pid_t pid) {
    if (s->isolated) {
        /* Root in a private pid namespace: -1 reaches every process but us and pid 1,
         * which is exactly the job, its children and any daemon it left behind. */
        kill(-1, SIGKILL);
        return;
    }
    if (pid > 0) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
    }
    kill_children_by_proc();
}

/* Reap every remaining descendant (orphans re-parent to us: we are a child subreaper). */
static int reap_all(const struct settings *s) {
    int64_t deadline = now_ns() + REAP_DEADLINE_NS;
    for (;;) {
        pid_t pid = waitpid(-1, NULL, WNOHANG);
        if (pid > 0) continue;
        if (pid < 0 && errno == EINTR) continue;
        if (pid < 0) return 0; /* ECHILD: nothing left */
        if (now_ns() > deadline) return fail(SERVE_BROKEN, "processes survived SIGKILL for %.1fs", REAP_DEADLINE_NS / 1e9);
        kill_job(s, 0);
        usleep(1000);
    }
}

/* ---- scratch cleaning ------------------------------------------------------------- */

static int remove_tree_at(int dirfd, const char *name, int depth);

/* Empty the directory open as dirfd (closes it). */
static int empty_dir(int dirfd, int depth) {
    DIR *dir = fdopendir(dirfd);
    if (!dir) {
        close(dirfd);
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (remove_tree_at(dirfd, e->d_name, depth) != 0) rc = -1;
    }
    closedir(dir);
    return rc;
}

static int remove_tree_at(int dirfd, const char *name, int depth) {
    if (unlinkat(dirfd, name, 0) == 0) return 0;
    if (errno != EISDIR) return errno == ENOENT ? 0 : -1;
    if (depth >= SCRATCH_MAX_DEPTH) return -1; /* the slot restarts: bwrap drops the tmpfs */
    int sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0) return -1;
    if (empty_dir(sub, depth + 1) != 0) return -1;
    return unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT ? 0 : -1;
}

int coderl_clean_scratch(const struct settings *s) {
    int fd = open(s->scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return fail(SERVE_BROKEN, "scratch unreadable: %s", strerror(errno));
    if (empty_dir(fd, 0) != 0) return fail(SERVE_BROKEN, "scratch not cleanable: %s", strerror(errno));
    return 0;
}

/* ---- one job ------------------------------------------------------------------------ */

struct job {
    const struct request *req;
    const uint8_t *stdin_data;
    size_t stdin_left;
    int stdin_w, out_r, err_r, vars_r, setup_r, pidfd;
    struct buffer out, err, vars, setup;
};

static int validate(const struct request *req) {
    if (req->timeout_ms == 0 || req->open_files < 8 || req->processes < 1 || req->cpu_limit_s == 0)
        return fail(SERVE_PROTOCOL, "limits out of range");
    if (req->capture > CAPTURE_MAX) return fail(SERVE_PROTOCOL, "capture mode %u unknown", req->capture);
    if ((uint64_t)req->code_len + req->stdin_len > MAX_PAYLOAD_BYTES)
        return fail(SERVE_PROTOCOL, "payload of %llu bytes", (unsigned long long)req->code_len + req->stdin_len);
    return 0;
}

static void feed_stdin(struct job *j) {
    size_t n = j->stdin_left < READ_CHUNK ? j->stdin_left : READ_CHUNK;
    ssize_t k = write(j->stdin_w, j->stdin_data, n);
    if (k < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (k < 0) {
        j->stdin_left = 0; /* EPIPE: the program closed stdin without reading it all */
    } else {
        j->stdin_data += k;
        j->stdin_left -= (size_t)k;
    }
    if (j->stdin_left == 0) close_fd(&j->stdin_w);
}

/* Poll until the program exits, the wall deadline passes, or stdout overflows. */
static uint32_t supervise(struct job *j, int64_t deadline) {
    int exited = 0;
    uint32_t flags = 0;
    int64_t quiet_until = now_ns() + QUIET_NS;
    for (;;) {
        int readers = (j->out_r >= 0) + (j->err_r >= 0) + (j->vars_r >= 0);
        if (!readers && exited) break;
        int64_t remaining = deadline - now_ns();
        if (remaining <= 0) {
            if (!exited) flags |= FLAG_TIMED_OUT; /* also when time ran out during setup */
            break;
        }
        if (exited) {
            /* The program is gone; whatever still holds its pipes (a leftover daemon)
             * does not get to extend the job. Read what is buffered. */
            if (j->out_r >= 0) buffer_drain(&j->out, j->out_r);
            if (j->err_r >= 0) buffer_drain(&j->err, j->err_r);
            if (j->vars_r >= 0) buffer_drain(&j->vars, j->vars_r);
            break;
        }
        int64_t quiet_left = quiet_until - now_ns();
        int quiet = quiet_left > 0;
        struct pollfd fds[5];
        int n = 0;
        fds[n++] = (struct pollfd){j->pidfd, POLLIN, 0};
        if (j->stdin_w >= 0) fds[n++] = (struct pollfd){j->stdin_w, POLLOUT, 0};
        if (!quiet && j->out_r >= 0) fds[n++] = (struct pollfd){j->out_r, POLLIN, 0};
        if (!quiet && j->err_r >= 0) fds[n++] = (struct pollfd){j->err_r, POLLIN, 0};
        if (!quiet && j->vars_r >= 0) fds[n++] = (struct pollfd){j->vars_r, POLLIN, 0};
        int64_t wait_ns = quiet && quiet_left < remaining ? quiet_left : remaining;
        int ready = poll(fds, (nfds_t)n, (int)(wait_ns / 1000000) + 1);
        if (ready < 0) continue; /* EINTR */
        for (int i = 0; i < n; i++) {
            if (!fds[i].revents) continue;
            int fd = fds[i].fd;
            if (fd == j->pidfd) {
                exited = 1;
            } else if (fd == j->stdin_w) {
                feed_stdin(j);
            } else {
                int *which = fd == j->out_r ? &j->out_r : fd == j->err_r ? &j->err_r : &j->vars_r;
                struct buffer *b = fd == j->out_r ? &j->out : fd == j->err_r ? &j->err : &j->vars;
                if (buffer_read_from(b, fd) == 0) close_fd(which);
            }
        }
        if (j->out.over) {
            flags |= FLAG_OUTPUT_LIMITED;
            break;
        }
    }
    return flags;
}

static int respond(const struct settings *s, const struct job *j, uint32_t flags, int status, const struct rusage *ru,
                   int64_t wall_ns) {
    struct response r = {0};
    r.magic = RESPONSE_MAGIC;
    r.flags = flags | (j->out.over ? FLAG_STDOUT_TRUNCATED : 0) | (j->err.over ? FLAG_STDERR_TRUNCATED : 0) |
              (j->vars.over ? FLAG_VARS_TRUNCATED : 0);
    r.id = j->req->id;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.signal = WIFSIGNALED(status) ? WTERMSIG(status) : -1;
    r.wall_us = (uint64_t)(wall_ns / 1000);
    r.cpu_us = (uint64_t)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000000u + (uint64_t)(ru->ru_utime.tv_usec + ru->ru_stime.tv_usec);
    r.max_rss_kb = (uint64_t)ru->ru_maxrss;
    r.stdout_len = (uint32_t)j->out.len;
    r.stderr_len = (uint32_t)j->err.len;
    r.vars_len = (uint32_t)j->vars.len;
    r.setup_len = (uint32_t)j->setup.len;
    struct iovec iov[5] = {
        {&r, sizeof r}, {j->out.data, j->out.len}, {j->err.data, j->err.len}, {j->vars.data, j->vars.len}, {j->setup.data, j->setup.len},
    };
    return writev_all(s->fd_out, iov, 5) == 0 ? 0 : fail(SERVE_STOP, "host closed the channel");
}

static void job_close(struct job *j) {
    close_fd(&j->stdin_w);
    close_fd(&j->out_r);
    close_fd(&j->err_r);
    close_fd(&j->vars_r);
    close_fd(&j->setup_r);
    close_fd(&j->pidfd);
    buffer_release(&j->out);
    buffer_release(&j->err);
    buffer_release(&j->vars);
    buffer_release(&j->setup);
}

/* The process the next job runs in, forked before the job arrives: fork, the interpreter's
 * after-fork work and the child's descriptors and credentials then happen while the slot
 * waits for work, not between a request and its answer. It is forked only after the
 * previous job's processes are all gone and the scratch is empty, and it runs nothing
 * but this file and the interpreter's after-fork hook until the job comes. */
struct spare {
    pid_t pid; /* 0: none */
    int stdin_w, out_r, err_r, vars_r, setup_r, go_w, pidfd;
};

/* Close the server's ends of a spare's pipes (and its pidfd, once opened); it is gone. */
static void spare_close(struct spare *sp) {
    int fds[] = {sp->stdin_w, sp->out_r, sp->err_r, sp->vars_r, sp->setup_r, sp->go_w, sp->pidfd};
    for (int i = 0; i < 7; i++) if (fds[i] >= 0) close(fds[i]);
    sp->pid = 0;
}

/* Returns SERVE_CHILD in the child once its job has arrived, 0 in the server, or an error. */
static int spare_fork(const struct settings *s, struct spare *sp) {
    int p_in[2], p_out[2], p_err[2], p_vars[2], p_setup[2], p_go[2];
    if (pipe2(p_in, O_CLOEXEC) || pipe2(p_out, O_CLOEXEC) || pipe2(p_err, O_CLOEXEC) || pipe2(p_vars, O_CLOEXEC) ||
        pipe2(p_setup, O_CLOEXEC) || pipe2(p_go, O_CLOEXEC))
        return fail(SERVE_BROKEN, "pipe2: %s", strerror(errno));
    s->before_fork();
    pid_t pid = fork();
    if (pid != 0) s->after_fork_parent();
    if (pid == 0) {
        child_prepare(s, p_in[0], p_out[1], p_err[1], p_vars[1], p_setup[1], p_go[0]);
        /* Thread state, import lock, at-fork hooks (random reseeds), called from here
         * rather than from Python: one ctypes round trip fewer in every child. */
        s->after_fork_child();
        child_await_job(s);
        return SERVE_CHILD;
    }
    int children_ends[] = {p_in[0], p_out[1], p_err[1], p_vars[1], p_setup[1], p_go[0]};
    for (int i = 0; i < 6; i++) close(children_ends[i]);
    *sp = (struct spare){pid, p_in[1], p_out[0], p_err[0], p_vars[0], p_setup[0], p_go[1], -1};
    if (pid < 0) {
        int err = errno;
        spare_close(sp);
        return fail(SERVE_BROKEN, "fork: %s", strerror(err));
    }
    set_nonblocking(sp->out_r);
    set_nonblocking(sp->err_r);
    set_nonblocking(sp->vars_r);
    set_nonblocking(sp->setup_r);
    /* Best effort: without it a chatty program just waits for the quiet period to end. */
    fcntl(sp->out_r, F_SETPIPE_SZ, OUTPUT_PIPE_BYTES);
    fcntl(sp->err_r, F_SETPIPE_SZ, OUTPUT_PIPE_BYTES);
    fcntl(sp->vars_r, F_SETPIPE_SZ, OUTPUT_PIPE_BYTES);
    sp->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (sp->pidfd < 0) {
        int err = errno;
        kill_job(s, pid);
        reap_all(s);
        spare_close(sp);
        return fail(SERVE_BROKEN, "pidfd_open: %s", strerror(err));
    }
    return 0;
}

/* Stop an unused spare (the slot is stopping): kill it and reap it. */
static void spare_discard(const struct settings *s, struct spare *sp) {
    if (!sp->pid) return;
    kill_job(s, sp->pid);
    reap_all(s);
    spare_close(sp);
}

/* Run one job in the spare (which it consumes); 0 after the job was answered, or an error. */
static int run_job(const struct settings *s, struct spare *sp, const struct request *req, const uint8_t *payload) {
    pid_t pid = sp->pid;
    struct job j = {.req = req, .stdin_data = payload + req->code_len, .stdin_left = req->stdin_len,
                    .stdin_w = sp->stdin_w, .out_r = sp->out_r, .err_r = sp->err_r, .vars_r = sp->vars_r,
                    .setup_r = sp->setup_r, .pidfd = sp->pidfd};
    int go_w = sp->go_w;
    sp->pid = 0;
    /* Everything that can be done before the go is: the job's clock starts with it. */
    buffer_init(&j.out, req->stdout_max);
    buffer_init(&j.err, req->stderr_max);
    buffer_init(&j.vars, req->vars_max);
    buffer_init(&j.setup, SETUP_MAX_BYTES);
    if (req->capture == CAPTURE_NONE) close_fd(&j.vars_r);
    if (j.stdin_left) set_nonblocking(j.stdin_w);
    else close_fd(&j.stdin_w);
    int fd = open(s->main_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    int wrote = fd < 0 ? -1 : write_all(fd, payload, req->code_len);
    int err = errno;
    if (fd >= 0) close(fd);
    if (wrote != 0) {
        close(go_w);
        kill_job(s, pid);
        reap_all(s);
        job_close(&j);
        return fail(SERVE_BROKEN, "cannot write %s: %s", s->main_path, strerror(err));
    }

    int64_t started = now_ns();
    /* A spare that died already (it cannot: it runs only our code) shows as a job whose
     * setup never finished, so the write's result needs no check. */
    (void)!write_all(go_w, req, sizeof *req);
    close(go_w);
    uint32_t flags = supervise(&j, started + (int64_t)req->timeout_ms * 1000000LL);
    kill_job(s, pid);
    int status = 0;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {}
    int64_t wall_ns = now_ns() - started;
    int rc = reap_all(s);
    /* Every process is gone: the setup pipe reads to its end (it is never polled: the
     * child writes at most a few hundred bytes, less than a pipe buffer). */
    if (rc == 0) buffer_drain(&j.setup, j.setup_r);
    if (rc == 0) rc = respond(s, &j, flags, status, &ru, wall_ns);
    job_close(&j);
    int cleaned = coderl_clean_scratch(s);
    return rc ? rc : cleaned;
}

/* The slot's main loop. Returns SERVE_CHILD in a forked child (the job is in
 * coderl_child), SERVE_STOP on shutdown or end of input, SERVE_BROKEN or SERVE_PROTOCOL
 * with the reason in coderl_error. */
int coderl_serve(const struct settings *s) {
    struct spare spare = {0};
    for (;;) {
        if (!spare.pid) {
            int rc = spare_fork(s, &spare);
            if (rc != 0) return rc; /* SERVE_CHILD in the spare, once its job arrived */
        }
        struct request req;
        int eof = 0, rc = 0;
        size_t size = 0;
        uint8_t *payload = NULL;
        if (read_exact(s->fd_in, &req, sizeof req, &eof) != 0)
            rc = eof ? SERVE_STOP : fail(SERVE_PROTOCOL, "channel closed mid-frame");
        else if (req.magic != REQUEST_MAGIC)
            rc = fail(SERVE_PROTOCOL, "bad frame magic 0x%08x", req.magic);
        else if (req.kind == KIND_SHUTDOWN)
            rc = SERVE_STOP;
        else if (req.kind != KIND_RUN)
            rc = fail(SERVE_PROTOCOL, "unknown frame kind %u", req.kind);
        else if (validate(&req) != 0)
            rc = SERVE_PROTOCOL;
        else if (!(payload = malloc((size = (size_t)req.code_len + req.stdin_len) ? size : 1)))
            rc = fail(SERVE_BROKEN, "out of memory for a %zu-byte job", size);
        else if (read_exact(s->fd_in, payload, size, NULL) != 0)
            rc = fail(SERVE_PROTOCOL, "channel closed mid-frame");
        if (rc == 0) rc = run_job(s, &spare, &req, payload);
        if (payload) {
            explicit_bzero(payload, size);
            free(payload);
        }
        if (rc != 0) {
            spare_discard(s, &spare);
            return rc;
        }
    }
}
