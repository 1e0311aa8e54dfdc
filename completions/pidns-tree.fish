# fish completion for pidns-tree(1). Installed into DATADIR/fish/vendor_completions.d.

# Prints the PIDs of live processes, each with its name as description, from the numeric entries
# of /proc. No option takes a PID yet; options that will (e.g. --pid) use it as their -a list.
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
complete -c pidns-tree -s J -l json -d 'Print one JSON document instead of the tree'
complete -c pidns-tree -l format -x -a 'text json' -d 'Output format'
complete -c pidns-tree -s N -l no-pids -d 'Show namespaces only, with their counts'
complete -c pidns-tree -l ascii -d 'Draw the tree with ASCII instead of Unicode glyphs'
complete -c pidns-tree -l color -x -a 'auto always never' -d 'When to color the text'
