// Placeholder entry until the command line lands in the next commit.
print("qinferd")
