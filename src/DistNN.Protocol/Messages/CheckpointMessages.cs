using MessagePack;

namespace DistNN.Protocol.Messages;

/// <summary>A file of a checkpoint: its name inside the checkpoint's folder, its length and its SHA-256 (lowercase hex).</summary>
[MessagePackObject]
public sealed record CheckpointFileInfo([property: Key(0)] string Name, [property: Key(1)] long Bytes, [property: Key(2)] string Sha256);

/// <summary>
/// One shard a ps node's own checkpoint folder holds, as its files say: checkpoint folder Folder holds server ServerIndex's
/// files of a layout of ServerCount servers whose chunks for it are Layout ("tensor[begin:end]" joined by ';'; empty and 0:
/// written before files said so).
/// </summary>
[MessagePackObject]
public sealed record HeldShard([property: Key(0)] string Folder, [property: Key(1)] int ServerIndex, [property: Key(2)] int ServerCount, [property: Key(3)] string Layout);

/// <summary>
/// Coordinator → server after <see cref="InitServer"/>: write a checkpoint under Directory every Every applied steps
/// (0: only when told). A ps node started with a checkpoint folder of its own writes there instead, and keeps the newest
/// Keep + 2 of its folders there (the coordinator keeps Keep manifests).
/// </summary>
[MessagePackObject]
public sealed record CheckpointPolicy([property: Key(0)] string Directory, [property: Key(1)] int Every, [property: Key(2)] int Keep = 3) : IDistNNMessage;

/// <summary>
/// Coordinator → servers: the checkpoint of folder Folder is complete (its manifest is written). A ps node with a folder
/// of its own never prunes that folder, nor any written after it, until a newer one is complete.
/// </summary>
[MessagePackObject]
public sealed record CheckpointCompleted([property: Key(0)] string Folder) : IDistNNMessage;

/// <summary>Coordinator → servers: write a checkpoint now into the folder Folder (at an epoch's end, on an interrupt).</summary>
[MessagePackObject]
public sealed record TakeCheckpoint([property: Key(0)] string Folder) : IDistNNMessage;

/// <summary>
/// Server → coordinator: its chunks at Step are on disk in the checkpoint folder Folder. Epoch and AppliedBatches are the
/// server's own accounting (the batches of that epoch it has applied); CaptureMilliseconds is how long the copy held the
/// server's thread (what a step waits for a checkpoint). NodeDirectory: the folder is under this directory of the server's own
/// node (ps --checkpoint-dir), not the coordinator's; null: the shared directory of <see cref="CheckpointPolicy"/>.
/// </summary>
[MessagePackObject]
public sealed record ShardCheckpointed(
    [property: Key(0)] int ServerIndex, [property: Key(1)] string Folder, [property: Key(2)] long Step, [property: Key(3)] int Epoch,
    [property: Key(4)] IReadOnlyList<int> AppliedBatches, [property: Key(5)] IReadOnlyList<CheckpointFileInfo> Files,
    [property: Key(6)] double CaptureMilliseconds, [property: Key(7)] string? NodeDirectory = null) : IDistNNMessage;

/// <summary>
/// Coordinator → server: load your chunks and their optimizer state from the checkpoint folder Folder (a name under the
/// server's checkpoint directory), written by server FromServer, after checking Files' sizes and checksums. Generation:
/// the rollback this restore belongs to; from then on the server refuses pushes of an older one (0 on a resume).
/// </summary>
[MessagePackObject]
public sealed record RestoreShard(
    [property: Key(0)] string Folder, [property: Key(1)] int FromServer, [property: Key(2)] IReadOnlyList<CheckpointFileInfo> Files,
    [property: Key(3)] int Generation = 0) : IDistNNMessage;

/// <summary>
/// Coordinator → server: go back to the plan's initial state (the weights of its spec and seed, optimizer state zero, step
/// 0, before epoch 1) — a lost server replaced before the run's first checkpoint. Generation as in <see cref="RestoreShard"/>.
/// Answered with <see cref="ShardRestored"/> at step 0.
/// </summary>
[MessagePackObject]
public sealed record ResetShard([property: Key(0)] int Generation) : IDistNNMessage;

/// <summary>Server → coordinator: restored to the checkpoint's Step, by the restore (or reset) of Generation.</summary>
[MessagePackObject]
public sealed record ShardRestored([property: Key(0)] int ServerIndex, [property: Key(1)] long Step, [property: Key(2)] int Generation = 0) : IDistNNMessage;
