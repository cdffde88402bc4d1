module tillstream.local/pause

go 1.22
