//! A PostgreSQL cluster of a test's own, in a temporary folder on a port of its own: to stop
//! and start under a running portal, or to replicate. Needs PostgreSQL's server programs.

use std::path::PathBuf;
use std::process::Command;

/// A PostgreSQL cluster in a temporary folder, on a port of its own; stopped when dropped.
pub struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    /// Settings beyond the port and the socket's folder.
    settings: &'static str,
}

impl Cluster {
    /// `None` where PostgreSQL's server programs are not installed.
    pub fn create() -> Option<Self> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(Result::ok)
            .map(|version| version.path().join("bin"))
            .find(|bin| bin.join("initdb").exists())?;
        let dir = tempfile::tempdir().unwrap();
        run(Command::new("chmod").arg("777").arg(dir.path()));
        let port = free_port();
        let cluster = Self {
            dir,
            bin,
            port,
            settings: "",
        };
        run(cluster
            .as_postgres("initdb")
            .args(["-A", "trust", "-U", "postgres", "-D"])
            .arg(cluster.dir.path().join("data")));
        cluster.start();
        Some(cluster)
    }

    fn as_postgres(&self, program: &str) -> Command {
        let mut command = Command::new("runuser");
        command
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join(program));
        command
    }

    fn pg_ctl(&self, args: &[&str]) {
        let data = self.dir.path().join("data");
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 {}",
            self.port,
            self.dir.path().display(),
            self.settings
        );
        run(self
            .as_postgres("pg_ctl")
            .arg("-D")
            .arg(&data)
            .args(["-o", &options, "-l"])
            .arg(self.dir.path().join("log"))
            .args(args));
    }

    pub fn start(&self) {
        self.pg_ctl(&["-w", "start"]);
    }

    pub fn stop(&self) {
        self.pg_ctl(&["-m", "fast", "-w", "stop"]);
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .as_postgres("pg_ctl")
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }
}

fn run(command: &mut Command) {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Cluster {
    /// A streaming replica of this cluster (`pg_basebackup -R`), started on a port of its own,
    /// logging every statement it runs (see [`Cluster::log`]).
    pub fn replica(&self) -> Self {
        let dir = tempfile::tempdir().unwrap();
        run(Command::new("chmod").arg("777").arg(dir.path()));
        let replica = Self {
            dir,
            bin: self.bin.clone(),
            port: free_port(),
            settings: "-c log_statement=all",
        };
        run(replica
            .as_postgres("pg_basebackup")
            .args(["-h", "127.0.0.1", "-U", "postgres", "-R", "-p"])
            .arg(self.port.to_string())
            .arg("-D")
            .arg(replica.dir.path().join("data")));
        replica.start();
        replica
    }

    /// What the server has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
