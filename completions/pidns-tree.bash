# bash completion for pidns-tree(1). Installed as bash-completion's completions/pidns-tree, where
# shellcheck shell=bash
# bash-completion (>= 2.0, for _init_completion and _filedir) loads it on first use.

# Proposes the PIDs of live processes matching $1, from the numeric entries of /proc.
_pidns_tree_pids() {
    local entry
    local -a pids=()
    for entry in /proc/[0-9]*; do
        pids+=("${entry#/proc/}")
    done
    mapfile -t COMPREPLY < <(compgen -W "${pids[*]}" -- "$1")
}

_pidns_tree() {
    # _init_completion sets all five; words and cword are declared only to keep them local.
    # shellcheck disable=SC2034
    local cur prev words cword split
    _init_completion -s || return

    case $prev in
        -h | --help | -V | --version | -d | --max-depth | --interval | -j | --jobs)
            return
            ;;
        --proc | --host-root)
            _filedir -d
            return
            ;;
        -o | --output)
            _filedir
            return
            ;;
        -p | --pid | -t | --translate)
            _pidns_tree_pids "$cur"
            return
            ;;
        -n | --ns)
            # An inode or pid:[INODE] cannot be listed cheaply; an nsfs file such as a bind
            # mount or /proc/PID/ns/pid can.
            _filedir
            return
            ;;
        --to)
            if [[ $cur == [0-9]* ]]; then
                _pidns_tree_pids "$cur"
            else
                _filedir
            fi
            return
            ;;
        --format)
            mapfile -t COMPREPLY < <(compgen -W 'text json dot openmetrics' -- "$cur")
            return
            ;;
        --color)
            mapfile -t COMPREPLY < <(compgen -W 'auto always never' -- "$cur")
            return
            ;;
        --source)
            mapfile -t COMPREPLY < <(compgen -W 'auto procfs bpf' -- "$cur")
            return
            ;;
    esac
    "$split" && return

    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W '-h --help --proc --source --host-root -J --json --format -o --output -N --no-pids
            -p --pid -n --ns -d --max-depth --ptree -k --kernel-threads -j --jobs --owner --ns-id --no-labels -a --all
            -t --translate --to --watch --interval --ascii --color -V --version' -- "$cur")
    fi
}
complete -F _pidns_tree pidns-tree
