using System.Globalization;
using DistNN.Training.Cluster;
using DistNN.Training.Configuration;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace DistNN.Integration.Tests;

/// <summary>
/// deploy/kubernetes: the manifests parse, and what they set agrees with the program that reads it: every variable is
/// one `distnn node --help` lists, the ports are the ones the nodes listen on, each role runs once, the image is
/// docker-compose's, the ConfigMap is cluster-configs/node.hocon (scripts/k8s-configmap.sh writes it), and no seed address is written anywhere.
/// </summary>
public sealed class KubernetesManifestSpec
{
    private static readonly string s_folder = Path.Combine(Repository.Root, "deploy", "kubernetes");

    private static readonly List<Dictionary<object, object>> s_objects = Directory.GetFiles(s_folder, "*.yaml")
        .Where(f => Path.GetFileName(f) != "kustomization.yaml").SelectMany(Documents).ToList();

    [Fact]
    public void Every_manifest_parses_and_kustomization_lists_each_of_them()
    {
        Assert.All(s_objects, o => Assert.True(o.ContainsKey("apiVersion") && o.ContainsKey("kind") && Map(o, "metadata").ContainsKey("name"),
            $"an object without apiVersion, kind or metadata.name: {string.Join(", ", o.Keys)}"));
        var kustomization = Documents(Path.Combine(s_folder, "kustomization.yaml")).Single();
        var listed = List(kustomization, "resources").Select(r => (string)r).Order();
        var files = Directory.GetFiles(s_folder, "*.yaml").Select(Path.GetFileName).Where(f => f != "kustomization.yaml").Order();
        Assert.Equal(files, listed);
        Assert.Equal(["ConfigMap", "Deployment", "Job", "Namespace", "PersistentVolumeClaim", "Role", "RoleBinding", "Service",
            "ServiceAccount", "StatefulSet"], s_objects.Select(o => (string)o["kind"]).Distinct().Order());
    }

    [Fact]
    public void Each_role_runs_once_with_the_compose_image_and_only_variables_distnn_node_reads()
    {
        var known = HelpVariables();
        Assert.Contains("DISTNN_DISCOVERY", known);
        string composeImage = (string)Map(Documents(Path.Combine(Repository.Root, "docker-compose.yml")).Single(), "x-node")["image"];

        var roles = Workloads().Select(w => (w.Kind, Role: Env(w.Container)["DISTNN_ROLE"])).ToList();
        Assert.Equal([("Deployment", "worker"), ("Job", "coordinator"), ("StatefulSet", "ps")], roles.Order());
        foreach (var (kind, labels, container, _) in Workloads())
        {
            var env = Env(container);
            Assert.Equal(composeImage, (string)container["image"]);
            Assert.Equal([], env.Keys.Where(k => !known.Contains(k)).ToList());
            Assert.Equal(env["DISTNN_ROLE"], labels["app.kubernetes.io/component"]);
            Assert.Equal(BootstrapSettings.Kubernetes, env["DISTNN_DISCOVERY"]);
            Assert.DoesNotContain("DISTNN_SEEDS", env.Keys);
            // Discovery finds the pod by the selector reference.conf gives, filled with the service name.
            var bootstrap = BootstrapSettings.From(DistNNReference.Config);
            string[] selector = string.Format(CultureInfo.InvariantCulture, bootstrap.PodLabelSelector, env["DISTNN_SERVICE_NAME"]).Split('=');
            Assert.True(labels.TryGetValue(selector[0], out var value) && value == selector[1], $"{kind}'s pods lack the label {selector[0]}={selector[1]}");
            Assert.Equal("status.podIP", (string)Map(Map(List(container, "env").Cast<Dictionary<object, object>>()
                .Single(e => (string)e["name"] == "DISTNN_PUBLIC_HOST"), "valueFrom"), "fieldRef")["fieldPath"]);
        }
        // No seed address anywhere: not in a container's variables or arguments, not in the node.hocon it mounts.
        Assert.DoesNotContain(Workloads().SelectMany(w => Env(w.Container).Values.Concat(w.Container.TryGetValue("args", out var a) ? ((List<object>)a).Cast<string>() : [])),
            v => v.Contains("akka.tcp://", StringComparison.Ordinal));
        var hocon = Akka.Configuration.ConfigurationFactory.ParseString((string)Map(s_objects.Single(o => (string)o["kind"] == "ConfigMap"), "data")["node.hocon"]);
        Assert.False(hocon.HasPath("distnn.node.seeds"), "the mounted node.hocon sets seed nodes");
    }

    [Fact]
    public void The_ports_are_the_ones_the_nodes_listen_on_and_the_services_point_at_them()
    {
        var node = NodeConfig.From(DistNNReference.Config);
        foreach (var (kind, _, container, _) in Workloads())
        {
            var env = Env(container);
            var ports = List(container, "ports").Cast<Dictionary<object, object>>()
                .ToDictionary(p => (string)p["name"], p => int.Parse((string)p["containerPort"], CultureInfo.InvariantCulture));
            // Discovery reads the port of this name; the node listens on DISTNN_PORT (reference.conf's coordinator port).
            Assert.Equal(int.Parse(env["DISTNN_PORT"], CultureInfo.InvariantCulture), ports[ClusterBootstrapHosting.RemotingPortName]);
            Assert.Equal(node.CoordinatorPort, ports[ClusterBootstrapHosting.RemotingPortName]);
            if (env["DISTNN_ROLE"] == "ps")
            {
                Assert.Equal(int.Parse(env["DISTNN_DATA_PORT"], CultureInfo.InvariantCulture), ports["data"]);
            }
            else
            {
                Assert.False(ports.ContainsKey("data"), $"{kind} opens a data-plane port it has not got");
            }
        }
        var portNames = Workloads().SelectMany(w => List(w.Container, "ports").Cast<Dictionary<object, object>>()).Select(p => (string)p["name"]).ToHashSet();
        foreach (var service in s_objects.Where(o => (string)o["kind"] == "Service"))
        {
            var selector = Map(Map(service, "spec"), "selector");
            Assert.Contains(Workloads(), w => selector.All(s => w.Labels.TryGetValue((string)s.Key, out var v) && v == (string)s.Value));
            Assert.All(List(Map(service, "spec"), "ports").Cast<Dictionary<object, object>>(), p => Assert.Contains((string)p["targetPort"], portNames));
        }
    }

    [Fact]
    public void The_coordinator_waits_for_as_many_servers_and_workers_as_the_replicas_and_discovery_needs_no_more_pods_than_there_are()
    {
        var workloads = Workloads().ToDictionary(w => Env(w.Container)["DISTNN_ROLE"]);
        var args = List(workloads["coordinator"].Container, "args").Select(a => (string)a).ToList();
        int Option(string name) => int.Parse(args[args.IndexOf(name) + 1], CultureInfo.InvariantCulture);

        Assert.Equal(workloads["ps"].Replicas, Option("--servers"));
        Assert.Equal(workloads["worker"].Replicas, Option("--workers"));
        int pods = 1 + workloads["ps"].Replicas + workloads["worker"].Replicas;
        Assert.All(workloads.Values, w => Assert.InRange(int.Parse(Env(w.Container)["DISTNN_REQUIRED_CONTACT_POINTS"], CultureInfo.InvariantCulture), 1, pods));
    }

    [Fact]
    public void The_config_map_is_cluster_configs_node_hocon_mounted_where_the_program_reads_it()
    {
        var map = s_objects.Single(o => (string)o["kind"] == "ConfigMap");
        Assert.Equal(File.ReadAllText(Path.Combine(Repository.Root, "cluster-configs", "node.hocon")), (string)Map(map, "data")["node.hocon"]);
        string dockerfile = File.ReadAllText(Path.Combine(Repository.Root, "Dockerfile"));
        Assert.Contains("WORKDIR /app", dockerfile);
        Assert.Contains("COPY cluster-configs/ ./cluster-configs/", dockerfile);
        foreach (var workload in Workloads())
        {
            var mount = List(workload.Container, "volumeMounts").Cast<Dictionary<object, object>>().Single(m => (string)m["name"] == "node-config");
            // The image's working directory is /app, where it copies cluster-configs/ and a node reads cluster-configs/node.hocon.
            Assert.Equal("/app/cluster-configs", (string)mount["mountPath"]);
            var volume = List(workload.Pod, "volumes").Cast<Dictionary<object, object>>().Single(v => (string)v["name"] == "node-config");
            Assert.Equal(Map(map, "metadata")["name"], Map(volume, "configMap")["name"]);
        }
    }

    [Fact]
    public void The_pods_may_list_pods_and_nothing_else()
    {
        var role = s_objects.Single(o => (string)o["kind"] == "Role");
        var rule = Assert.Single(List(role, "rules").Cast<Dictionary<object, object>>());
        Assert.Equal(["pods"], List(rule, "resources").Select(r => (string)r));
        Assert.Equal(["get", "list", "watch"], List(rule, "verbs").Select(r => (string)r).Order());
        string account = (string)Map(s_objects.Single(o => (string)o["kind"] == "ServiceAccount"), "metadata")["name"];
        Assert.All(Workloads(), w => Assert.Equal(account, (string)w.Pod["serviceAccountName"]));
    }

    private sealed record Workload(string Kind, Dictionary<string, string> Labels, Dictionary<object, object> Container, Dictionary<object, object> Pod)
    {
        public int Replicas { get; init; } = 1;
    }

    private static IEnumerable<Workload> Workloads() => s_objects.Where(o => (string)o["kind"] is "Job" or "Deployment" or "StatefulSet").Select(o =>
    {
        var spec = Map(o, "spec");
        var template = Map(spec, "template");
        var pod = Map(template, "spec");
        var labels = Map(Map(template, "metadata"), "labels").ToDictionary(l => (string)l.Key, l => (string)l.Value);
        return new Workload((string)o["kind"], labels, (Dictionary<object, object>)Assert.Single(List(pod, "containers")), pod)
        {
            Replicas = spec.TryGetValue("replicas", out var r) ? int.Parse((string)r, CultureInfo.InvariantCulture) : 1,
        };
    });

    private static Dictionary<string, string> Env(Dictionary<object, object> container) => List(container, "env").Cast<Dictionary<object, object>>()
        .ToDictionary(e => (string)e["name"], e => e.TryGetValue("value", out var v) ? (string)v : "");

    /// <summary>The DISTNN_* variables `distnn node --help` lists.</summary>
    private static HashSet<string> HelpVariables()
    {
        var (code, help) = Repository.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "distnn.dll"), "node", "--help"], TimeSpan.FromSeconds(60));
        Assert.True(code == 0, $"distnn node --help exited with {code}:\n{help}");
        int start = help.IndexOf("Environment overrides:", StringComparison.Ordinal);
        int end = help.IndexOf("(below", start, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"no list of environment variables in:\n{help}");
        return help[start..end].Split([' ', ',', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries)
            .Where(w => w.StartsWith("DISTNN_", StringComparison.Ordinal)).ToHashSet();
    }

    private static Dictionary<object, object> Map(Dictionary<object, object> o, string key) =>
        o.TryGetValue(key, out var v) && v is Dictionary<object, object> m ? m : throw new KeyNotFoundException($"no map '{key}' in {string.Join(", ", o.Keys)}");

    private static List<object> List(Dictionary<object, object> o, string key) =>
        o.TryGetValue(key, out var v) && v is List<object> l ? l : throw new KeyNotFoundException($"no list '{key}' in {string.Join(", ", o.Keys)}");

    /// <summary>Every YAML document of a file, as maps, lists and strings.</summary>
    private static IEnumerable<Dictionary<object, object>> Documents(string path)
    {
        var deserializer = new DeserializerBuilder().Build();
        var parser = new MergingParser(new Parser(new StringReader(File.ReadAllText(path))));
        parser.Consume<StreamStart>();
        var documents = new List<Dictionary<object, object>>();
        while (parser.Accept<DocumentStart>(out _))
        {
            documents.Add(deserializer.Deserialize<Dictionary<object, object>>(parser));
        }
        return documents;
    }
}
