from benchbench.cli import app

app(prog_name="bench")
