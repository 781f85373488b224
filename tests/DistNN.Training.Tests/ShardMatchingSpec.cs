using DistNN.Protocol.Messages;
using DistNN.Training.Checkpoints;

namespace DistNN.Training.Tests;

/// <summary>
/// Which registered ps node takes which shard of a checkpoint written into the nodes' own folders: the one whose folder
/// holds it, whatever the registration order; one line naming the shards missing, held twice or of another plan when
/// the folders cannot cover every shard.
/// </summary>
public sealed class ShardMatchingSpec
{
    private const string Folder = "step-0000000010";
    private static readonly string[] s_names = ["ps node A", "ps node B"];

    /// <summary>Two servers, each with its files in its node's own folder; server 0 holds dense 0, server 1 dense 1.</summary>
    private static readonly CheckpointManifest s_manifest = new()
    {
        Folder = Folder, Step = 10, Epoch = 1, Reason = "step", CreatedUtc = DateTime.UtcNow, TotalBatches = 47, BatchesApplied = [], SamplesApplied = 0,
        PermutationSeed = 1, Plan = [], PlanWire = "",
        Chunks = [new ManifestChunk(0, "0.dense.w", 0, 100, 0), new ManifestChunk(1, "1.dense.w", 0, 50, 1)],
        Servers = [Server(0), Server(1)],
    };

    private static ManifestServer Server(int index) => new(index, 10, 1, [], [], 0, $"/own-{index}");

    private static HeldShard Holds(int server, int servers = 2, string? layout = null) =>
        new(Folder, server, servers, layout ?? (server == 0 ? "0.dense.w[0:100]" : "1.dense.w[0:50]"));

    [Fact]
    public void Nodes_registered_in_the_other_order_are_given_the_shards_their_folders_hold()
    {
        Assert.Equal([1, 0], ShardMatching.Assign(s_manifest, Folder, [[Holds(1)], [Holds(0)]], s_names));
    }

    [Fact]
    public void Nodes_registered_in_the_order_they_wrote_keep_it()
    {
        Assert.Equal([0, 1], ShardMatching.Assign(s_manifest, Folder, [[Holds(0), Holds(0) with { Folder = "step-0000000005" }], [Holds(1)]], s_names));
    }

    [Fact]
    public void A_node_holding_a_shard_registered_after_as_many_nodes_as_shards_is_given_it_and_the_one_holding_nothing_none()
    {
        Assert.Equal([2, 0], ShardMatching.Assign(s_manifest, Folder, [[Holds(1)], [], [Holds(0)]], [.. s_names, "ps node C"]));
    }

    [Fact]
    public void With_more_nodes_than_shards_the_first_registered_that_fit_are_given_them()
    {
        Assert.Equal([1, 2], ShardMatching.Assign(s_manifest, Folder, [[], [Holds(0)], [Holds(1)], [Holds(1)]], [.. s_names, "ps node C", "ps node D"]));
    }

    [Fact]
    public void Two_folders_holding_the_same_shard_and_none_the_other_fail_naming_both()
    {
        var e = Assert.Throws<InvalidDataException>(() => ShardMatching.Assign(s_manifest, Folder, [[Holds(0)], [Holds(0)]], s_names));

        Assert.Equal("the ps nodes' checkpoint folders cannot cover every shard of checkpoint step-0000000010: shard 0 is in the folders of 2 ps nodes "
            + "(ps node A, ps node B); shard 1 (server-1.safetensors) is in no registered ps node's folder; start each ps node with the --checkpoint-dir "
            + "it wrote the checkpoint into", e.Message);
    }

    [Fact]
    public void A_folder_written_for_another_layout_does_not_count_and_is_named()
    {
        var e = Assert.Throws<InvalidDataException>(() =>
            ShardMatching.Assign(s_manifest, Folder, [[Holds(0)], [Holds(1, servers: 3, layout: "1.dense.w[0:25]")]], s_names));

        Assert.Contains("shard 1 (server-1.safetensors) is in no registered ps node's folder", e.Message);
        Assert.Contains("ps node B holds server-1.safetensors of step-0000000010 for another plan (3 servers, chunks 1.dense.w[0:25])", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_shard_in_the_shared_folder_goes_to_a_node_without_a_folder_of_its_own()
    {
        var manifest = s_manifest with { Servers = [Server(0) with { NodeDirectory = null }, Server(1)] };

        Assert.Equal([1, 0], ShardMatching.Assign(manifest, Folder, [[Holds(1)], null], s_names));
    }

    [Fact]
    public void Files_written_before_they_said_their_layout_are_matched_by_index()
    {
        Assert.Equal([1, 0], ShardMatching.Assign(s_manifest, Folder, [[Holds(1, servers: 0, layout: "")], [Holds(0, servers: 0, layout: "")]], s_names));
    }
}
