"""Running a suite: ``plan`` turns it into cells, ``driver`` skips the stored ones and
stores each record as it comes, an executor (``executors``: this process or Ray) runs
``cell`` on each pending one, and ``observer`` reports progress."""
