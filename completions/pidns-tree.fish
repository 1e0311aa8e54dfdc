# fish completion for pidns-tree(1). Installed into DATADIR/fish/vendor_completions.d.

# Prints the PIDs of live processes, each with its name as description, from the numeric entries
# of /proc.
function __pidns_tree_pids
    for pid in (string match -r '^[0-9]+$' -- (string replace /proc/ '' -- /proc/*))
        set -l comm
        # Checked first: fish warns on a failed redirection whatever 2> says.
        test -r /proc/$pid/comm; and read comm </proc/$pid/comm
        printf '%s\t%s\n' $pid "$comm"
    end
end

complete -c pidns-tree -f
complete -c pidns-tree -s h -l help -d 'Print a summary of the options and exit'
complete -c pidns-tree -s V -l version -d 'Print the version and exit'
complete -c pidns-tree -l proc -x -a '(__fish_complete_directories)' -d 'Scan the procfs mounted at DIR'
complete -c pidns-tree -l source -x -a 'auto procfs bpf' -d 'How to read processes: BPF task iterator or procfs'
complete -c pidns-tree -l host-root -x -a '(__fish_complete_directories)' -d 'Read the files that name containers below DIR'
complete -c pidns-tree -s J -l json -d 'Print one JSON document instead of the tree'
complete -c pidns-tree -l format -x -a 'text json dot openmetrics' -d 'Output format'
complete -c pidns-tree -s o -l output -r -F -d 'Write to FILE, replaced whole or not at all'
complete -c pidns-tree -s N -l no-pids -d 'Show namespaces only, with their counts'
complete -c pidns-tree -s p -l pid -x -a '(__pidns_tree_pids)' -d "Show the branch down to PID's namespace"
complete -c pidns-tree -s n -l ns -r -F -d 'Show the subtree of NS: inode, pid:[INODE] or nsfs file'
complete -c pidns-tree -s d -l max-depth -x -d 'Show N levels below the top'
complete -c pidns-tree -l ptree -d "Show each namespace's processes as a tree by parent PID"
complete -c pidns-tree -s k -l kernel-threads -d "List kernel threads instead of counting them"
complete -c pidns-tree -s j -l jobs -x -d "Read processes with N threads (1: none)"
complete -c pidns-tree -l owner -d 'Show the owning user namespace and its UID'
complete -c pidns-tree -l ns-id -d 'Show the 64-bit namespace ids of Linux 6.18+'
complete -c pidns-tree -l no-labels -d 'Do not show container labels found from cgroups'
complete -c pidns-tree -s a -l all -d 'Also find namespaces held only by fds, bind mounts or pid_for_children'
complete -c pidns-tree -s t -l translate -x -a '(__pidns_tree_pids)' -d "Print PID's PID in --to's namespace"
complete -c pidns-tree -l to -r -F -a '(__pidns_tree_pids)' -d 'With --translate: the namespace, or a PID in it'
complete -c pidns-tree -l watch -d 'Print namespaces as they are created and go, until interrupted'
complete -c pidns-tree -l interval -x -d 'With --watch, without the proc connector: seconds between rescans'
complete -c pidns-tree -l ascii -d 'Draw the tree with ASCII instead of Unicode glyphs'
complete -c pidns-tree -l color -x -a 'auto always never' -d 'When to color the text'
