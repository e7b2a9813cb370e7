# SPDX-License-Identifier: MIT
# bash completion for nsnet: sub-commands, options and the names in the state dir (networks,
# namespaces, VIPs), all answered by the hidden `nsnet __complete WORD... CUR`, which reads them
# from the commands' own --help, so this file never lists a command or an option.
# Installed as /usr/share/bash-completion/completions/nsnet (make install, the Debian package).

_nsnet() {
	local cur prev words cword split
	# ':' stays inside words (VIPs are ADDRESS:PORT/PROTO); -s: "--opt=val" completes val.
	_init_completion -s -n : || return

	local out line args=("${words[@]:1:cword}")
	# "--backend=i" is one word here; nsnet __complete wants "--backend" "i".
	"$split" && args=("${words[@]:1:cword-1}" "$prev" "$cur")
	out=$("${words[0]}" __complete "${args[@]}" 2>/dev/null) || return
	COMPREPLY=()
	while IFS= read -r line; do
		case $line in
		:dirs)
			_filedir -d
			return
			;;
		:command\ *)
			# exec NS -- CMD...: word K after nsnet starts a command line of its own.
			_command_offset $((${line#:command } + 1))
			return
			;;
		'') ;;
		*) COMPREPLY+=("$line") ;;
		esac
	done <<<"$out"
	__ltrim_colon_completions "$cur"
}
complete -F _nsnet nsnet
