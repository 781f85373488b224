using DistNN.Cli.Commands;
using DistNN.Training.Cluster;
using DistNN.Training.Configuration;

namespace DistNN.Cli.Tests;

public class NodeOptionsSpec
{
    private static string DirWithConfig(string hocon)
    {
        var dir = Distnn.TempDir();
        Directory.CreateDirectory(Path.Combine(dir, "cluster-configs"));
        File.WriteAllText(Path.Combine(dir, "cluster-configs", "node.hocon"), hocon);
        return dir;
    }

    [Fact]
    public void The_command_line_wins_over_environment_variables_which_win_over_the_hocon_file()
    {
        var dir = DirWithConfig("""
            distnn.data-dir = "/file/data"
            distnn.node { role = worker, host = "10.0.0.1", port = 5001, name = "from-file", threads = 3,
                          seeds = ["akka.tcp://distnn@file:4053"], join-timeout = 7s }
            """);
        var env = new Dictionary<string, string> { ["DISTNN_HOST"] = "10.0.0.2", ["DISTNN_PORT"] = "5002", ["DISTNN_NAME"] = "from-env" };

        var options = NodeOptionsResolver.Resolve(new NodeSettings { Port = 5003 }, k => env.GetValueOrDefault(k), dir);

        Assert.Equal((NodeRole.Worker, "10.0.0.2", 5003, "from-env", 3), (options.Role, options.Host, options.Port, options.Name, options.Threads));
        Assert.Equal(["akka.tcp://distnn@file:4053"], options.Seeds);
        Assert.Equal(("/file/data", TimeSpan.FromSeconds(7)), (options.DataDir, options.JoinTimeout));
    }

    [Fact]
    public void Without_a_file_the_built_in_defaults_apply_and_the_coordinator_seeds_itself()
    {
        var options = NodeOptionsResolver.Resolve(new NodeSettings { Role = "coordinator", PublicHost = "coord" }, _ => null, Distnn.TempDir());

        Assert.Equal((4053, "127.0.0.1", 128_000L, TimeSpan.FromSeconds(120)), (options.Port, options.Host, options.MaxFrameSize, options.JoinTimeout));
        Assert.Equal(["akka.tcp://distnn@coord:4053"], options.Seeds);
    }

    [Fact]
    public void With_kubernetes_discovery_no_node_needs_a_seed_and_the_coordinator_does_not_seed_itself()
    {
        var env = new Dictionary<string, string> { ["DISTNN_DISCOVERY"] = "kubernetes", ["DISTNN_SERVICE_NAME"] = "trainer", ["DISTNN_REQUIRED_CONTACT_POINTS"] = "5" };

        var coordinator = NodeOptionsResolver.Resolve(new NodeSettings { Role = "coordinator" }, k => env.GetValueOrDefault(k), Distnn.TempDir());
        var worker = NodeOptionsResolver.Resolve(new NodeSettings { Role = "worker" }, k => env.GetValueOrDefault(k), Distnn.TempDir());

        Assert.Empty(coordinator.Seeds);
        Assert.Empty(worker.Seeds);
        Assert.Equal(("kubernetes", "trainer", 5), (worker.Bootstrap!.Discovery, worker.Bootstrap.ServiceName, worker.Bootstrap.RequiredContactPoints));
        Assert.Contains("DISTNN_DISCOVERY", NodeOptionsResolver.EnvironmentVariables);
    }

    [Theory]
    [InlineData("kubernetes", "akka.tcp://distnn@c:3", "drop --seed")]
    [InlineData("dns", null, "--discovery must be kubernetes or config (got 'dns')")]
    public void Discovery_with_seeds_or_an_unknown_method_is_refused_naming_it(string discovery, string? seeds, string message)
    {
        var e = Assert.Throws<OptionException>(() => NodeOptionsResolver.Resolve(
            new NodeSettings { Role = "ps", Discovery = discovery, Seeds = seeds }, _ => null, Distnn.TempDir()));

        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void The_coordinator_grace_is_30_s_by_default_seconds_in_its_variable_and_the_command_line_wins()
    {
        var env = new Dictionary<string, string> { ["DISTNN_ROLE"] = "worker", ["DISTNN_SEEDS"] = "akka.tcp://distnn@c:3", ["DISTNN_COORDINATOR_GRACE"] = "7.5" };

        var byDefault = NodeOptionsResolver.Resolve(new NodeSettings { Role = "ps", Seeds = "akka.tcp://distnn@c:3" }, _ => null, Distnn.TempDir());
        var fromEnv = NodeOptionsResolver.Resolve(new NodeSettings(), k => env.GetValueOrDefault(k), Distnn.TempDir());
        var fromLine = NodeOptionsResolver.Resolve(new NodeSettings { CoordinatorGrace = 0 }, k => env.GetValueOrDefault(k), Distnn.TempDir());

        Assert.Equal(TimeSpan.FromSeconds(30), byDefault.CoordinatorGrace);
        Assert.Equal(TimeSpan.FromSeconds(7.5), fromEnv.CoordinatorGrace);
        Assert.Equal(TimeSpan.Zero, fromLine.CoordinatorGrace);
        Assert.Contains("DISTNN_COORDINATOR_GRACE", NodeOptionsResolver.EnvironmentVariables);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("soon")]
    [InlineData("3601")]
    public void A_coordinator_grace_variable_outside_0_to_3600_seconds_is_refused_naming_it(string value)
    {
        var e = Assert.Throws<OptionException>(() => NodeOptionsResolver.Resolve(
            new NodeSettings { Role = "ps", Seeds = "akka.tcp://distnn@c:3" }, k => k == "DISTNN_COORDINATOR_GRACE" ? value : null, Distnn.TempDir()));

        Assert.Contains($"DISTNN_COORDINATOR_GRACE: '{value}' is not a number of seconds from 0 to 3600", e.Message);
        Assert.Contains("--coordinator-grace must be 0 to 3600 seconds", new NodeSettings { CoordinatorGrace = -1 }.Validate().Message);
    }

    [Fact]
    public void The_local_socket_is_off_by_default_auto_from_its_variable_the_command_line_wins_and_any_other_value_is_refused_naming_the_key()
    {
        var env = new Dictionary<string, string> { ["DISTNN_ROLE"] = "ps", ["DISTNN_SEEDS"] = "akka.tcp://distnn@c:3", ["DISTNN_LOCAL_SOCKET"] = "auto" };

        var byDefault = NodeOptionsResolver.Resolve(new NodeSettings { Role = "ps", Seeds = "akka.tcp://distnn@c:3" }, _ => null, Distnn.TempDir());
        var fromEnv = NodeOptionsResolver.Resolve(new NodeSettings(), k => env.GetValueOrDefault(k), Distnn.TempDir());
        var fromLine = NodeOptionsResolver.Resolve(new NodeSettings { LocalSocket = "off" }, k => env.GetValueOrDefault(k), Distnn.TempDir());
        var e = Assert.Throws<Akka.Configuration.ConfigurationException>(() => NodeOptionsResolver.Resolve(
            new NodeSettings { LocalSocket = "shm" }, k => env.GetValueOrDefault(k), Distnn.TempDir()));

        Assert.False(DataPlaneSettings.From(byDefault.Hocon).LocalSocket);
        Assert.True(DataPlaneSettings.From(fromEnv.Hocon).LocalSocket);
        Assert.False(DataPlaneSettings.From(fromLine.Hocon).LocalSocket);
        Assert.Contains("distnn.data-plane.local-socket must be auto or off, not 'shm'", e.Message);
        Assert.Contains("DISTNN_LOCAL_SOCKET", NodeOptionsResolver.EnvironmentVariables);
    }

    [Fact]
    public void Seeds_from_the_command_line_replace_the_environment_s_whole_list()
    {
        var env = new Dictionary<string, string> { ["DISTNN_SEEDS"] = "akka.tcp://distnn@a:1,akka.tcp://distnn@b:2", ["DISTNN_ROLE"] = "ps" };

        var options = NodeOptionsResolver.Resolve(new NodeSettings { Seeds = "akka.tcp://distnn@c:3" }, k => env.GetValueOrDefault(k), Distnn.TempDir());

        Assert.Equal(["akka.tcp://distnn@c:3"], options.Seeds);
        Assert.Equal(NodeRole.Ps, options.Role);
    }

    [Fact]
    public void DISTNN_CONFIG_names_the_file_in_place_of_the_working_directory_s_and_config_on_the_command_line_wins()
    {
        var dir = DirWithConfig("distnn.node { role = worker, name = \"from-default-file\", seeds = [\"akka.tcp://distnn@d:1\"] }");
        string named = Path.Combine(dir, "named.hocon");
        File.WriteAllText(named, "distnn.node { role = ps, name = \"from-named-file\", seeds = [\"akka.tcp://distnn@n:1\"] }");
        string line = Path.Combine(dir, "line.hocon");
        File.WriteAllText(line, "distnn.node { role = worker, name = \"from-line-file\", seeds = [\"akka.tcp://distnn@l:1\"] }");
        var env = new Dictionary<string, string> { ["DISTNN_CONFIG"] = "named.hocon" };

        var fromVariable = NodeOptionsResolver.Resolve(new NodeSettings(), k => env.GetValueOrDefault(k), dir);
        var fromLine = NodeOptionsResolver.Resolve(new NodeSettings { Config = line }, k => env.GetValueOrDefault(k), dir);
        var missing = Assert.Throws<FileNotFoundException>(() =>
            NodeOptionsResolver.Resolve(new NodeSettings(), k => k == "DISTNN_CONFIG" ? "absent.hocon" : null, dir));

        Assert.Equal((NodeRole.Ps, "from-named-file"), (fromVariable.Role, fromVariable.Name));
        Assert.Equal((NodeRole.Worker, "from-line-file"), (fromLine.Role, fromLine.Name));
        Assert.Contains("DISTNN_CONFIG: no such file", missing.Message);
        Assert.Contains("DISTNN_CONFIG", NodeOptionsResolver.EnvironmentVariables);
    }

    [Fact]
    public void A_file_setting_a_key_that_reference_conf_lacks_is_refused_with_the_key_named()
    {
        var dir = DirWithConfig("distnn.node { role = worker, data-dir = \"/old/place\" }");

        var e = Assert.Throws<OptionException>(() => NodeOptionsResolver.Resolve(new NodeSettings(), _ => null, dir));

        Assert.Contains("distnn.node.data-dir", e.Message);
    }

    [Fact]
    public void A_malformed_environment_value_is_refused_with_the_variable_named()
    {
        var e = Assert.Throws<OptionException>(() =>
            NodeOptionsResolver.Resolve(new NodeSettings { Role = "coordinator" }, k => k == "DISTNN_PORT" ? "forty" : null, Distnn.TempDir()));

        Assert.Contains("DISTNN_PORT", e.Message);
    }

    [Fact]
    public void Verbose_shows_stack_traces_and_a_peer_s_coming_and_going_also_while_the_loggers_are_not_running()
    {
        var verbose = NodeOptionsResolver.Resolve(new NodeSettings { Role = "coordinator", Verbose = true }, _ => null, Distnn.TempDir()).Hocon;
        var plain = NodeOptionsResolver.Resolve(new NodeSettings { Role = "coordinator" }, _ => null, Distnn.TempDir()).Hocon;

        Assert.True(verbose.GetBoolean("distnn.log.stack-traces"));
        // Akka makes its standard-out logger from this name alone (Type.GetType), as a node's ActorSystem starts.
        Assert.Equal(typeof(DistNN.Training.Hosting.VerboseOneLineStdoutLogger), Type.GetType(verbose.GetString("akka.stdout-logger-class")));
        Assert.False(plain.GetBoolean("distnn.log.stack-traces"));
        Assert.Equal(typeof(DistNN.Training.Hosting.OneLineStdoutLogger), Type.GetType(plain.GetString("akka.stdout-logger-class")));
    }

    [Theory]
    [InlineData("coordinator,ps")]
    [InlineData(" ps , Coordinator ")]
    public void A_coordinator_that_also_runs_a_ps_has_both_cluster_roles_and_the_coordinators_port(string role)
    {
        var options = NodeOptionsResolver.Resolve(new NodeSettings { Role = role }, _ => null, Distnn.TempDir());

        Assert.Equal(NodeRole.Coordinator, options.Role);
        Assert.True(options.WithPs);
        Assert.Equal("coordinator,ps", options.RoleNames);
        Assert.Equal(4053, options.Port);
        Assert.False(options.WithWorker);
        Assert.False(NodeOptionsResolver.Resolve(new NodeSettings { Role = "coordinator" }, _ => null, Distnn.TempDir()).WithPs);
    }

    [Theory]
    [InlineData("coordinator,worker", false, "coordinator,worker")]
    [InlineData(" Worker , coordinator ", false, "coordinator,worker")]
    [InlineData("coordinator,worker,ps", true, "coordinator,worker,ps")]
    [InlineData("ps,coordinator,WORKER", true, "coordinator,worker,ps")]
    [InlineData("worker , ps , coordinator", true, "coordinator,worker,ps")]
    public void A_coordinator_that_also_runs_a_worker_keeps_the_coordinators_port_and_takes_the_workers_name(string role, bool withPs, string names)
    {
        var options = NodeOptionsResolver.Resolve(new NodeSettings { Role = role, Name = "w0" }, _ => null, Distnn.TempDir());

        Assert.Equal(NodeRole.Coordinator, options.Role);
        Assert.True(options.WithWorker);
        Assert.Equal(withPs, options.WithPs);
        Assert.Equal(names, options.RoleNames);
        Assert.Equal(4053, options.Port);
        Assert.Equal("w0", options.Name);
        // Its server's checkpoint files are the coordinator's, as with coordinator,ps.
        Assert.Null(options.CheckpointDir);
    }

    [Theory]
    [InlineData("worker,ps")]
    [InlineData(" PS , worker ")]
    public void A_worker_that_also_runs_a_ps_has_both_cluster_roles_and_takes_its_checkpoint_folder(string role)
    {
        string dir = Distnn.TempDir();
        var options = NodeOptionsResolver.Resolve(new NodeSettings { Role = role, Seeds = "akka.tcp://distnn@h:1", CheckpointDir = "ck" }, _ => null, dir);

        Assert.Equal(NodeRole.Worker, options.Role);
        Assert.True(options.WithPs);
        Assert.Equal("worker,ps", options.RoleNames);
        Assert.Equal(0, options.Port);
        Assert.Equal(Path.Combine(dir, "ck"), options.CheckpointDir);
        Assert.Null(NodeOptionsResolver.Resolve(new NodeSettings { Role = "worker", Seeds = "akka.tcp://distnn@h:1", CheckpointDir = "ck" }, _ => null, dir).CheckpointDir);
    }

    [Theory]
    [InlineData("0", new[] { 0 })]
    [InlineData("3,0-1", new[] { 0, 1, 3 })]
    [InlineData(" 2 , 2-2 ", new[] { 2 })]
    public void Cpus_are_read_as_taskset_takes_them_from_the_option_or_the_environment(string list, int[] cpus)
    {
        var byOption = NodeOptionsResolver.Resolve(new NodeSettings { Role = "coordinator", Cpus = list }, _ => null, Distnn.TempDir());
        var byEnvironment = NodeOptionsResolver.Resolve(new NodeSettings { Role = "coordinator" }, k => k == "DISTNN_CPUS" ? list : null, Distnn.TempDir());

        Assert.Equal(cpus, byOption.Cpus);
        Assert.Equal(cpus, byEnvironment.Cpus);
        Assert.Null(NodeOptionsResolver.Resolve(new NodeSettings { Role = "coordinator" }, _ => null, Distnn.TempDir()).Cpus);
    }

    [Theory]
    [InlineData("one", "at 'one'")]
    [InlineData("0-", "at '0-'")]
    [InlineData("0,,1", "at ''")]
    [InlineData("3-1", "3-1 is not a range of CPUs from 0 to 1023")]
    [InlineData("1024", "1024 is not a range of CPUs from 0 to 1023")]
    public void A_malformed_cpu_list_is_refused_naming_the_option(string list, string message)
    {
        var e = Assert.Throws<OptionException>(() =>
            NodeOptionsResolver.Resolve(new NodeSettings { Role = "coordinator", Cpus = list }, _ => null, Distnn.TempDir()));

        Assert.StartsWith("--cpus (distnn.node.cpus, DISTNN_CPUS): ", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData("worker", null, "--seed is required")]
    [InlineData("worker", "tcp://distnn@h:1", "is not a seed address")]
    [InlineData("gardener", "akka.tcp://distnn@h:1", "--role must be coordinator, ps or worker")]
    [InlineData("ps,ps", "akka.tcp://distnn@h:1", "--role must be coordinator, ps or worker, or several of them comma-separated, each once (coordinator,ps; worker,ps; coordinator,worker; coordinator,worker,ps): ps named more than once (got 'ps,ps')")]
    [InlineData("coordinator,worker,Worker", "akka.tcp://distnn@h:1", ": worker named more than once (got 'coordinator,worker,Worker')")]
    [InlineData("coordinator,gardener,ps", "akka.tcp://distnn@h:1", ": 'gardener' is not a role (got 'coordinator,gardener,ps')")]
    [InlineData("coordinator,,worker", "akka.tcp://distnn@h:1", ": '' is not a role (got 'coordinator,,worker')")]
    public void A_bad_node_setting_is_refused_with_the_option_named(string role, string? seeds, string message)
    {
        var e = Assert.ThrowsAny<Exception>(() =>
            NodeOptionsResolver.Resolve(new NodeSettings { Role = role, Seeds = seeds }, _ => null, Distnn.TempDir()));

        Assert.Contains(message, e.Message);
    }
}
