using System.Runtime.InteropServices;
using System.Security.Cryptography;
using DistNN.Protocol.Messages;

namespace DistNN.Training.Checkpoints;

/// <summary>
/// A checkpoint file written so that a crash leaves either the old file or the whole new one: a temporary file beside it,
/// flushed to disk (fsync), renamed into place, then the folder synced so the rename itself survives a power cut.
/// </summary>
public static partial class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>; returns its name, length and SHA-256.</summary>
    public static CheckpointFileInfo Write(string path, Action<Stream> write)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        string temp = $"{path}.{Environment.ProcessId}.tmp";
        long bytes;
        string sha;
        try
        {
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            using (var hashing = new HashingStream(file))
            {
                write(hashing);
                hashing.Flush();
                file.Flush(flushToDisk: true);
                bytes = hashing.Written;
                sha = hashing.HashHex();
            }
            CheckpointTestHook.BeforeRename(path);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
        SyncDirectory(directory);
        return new CheckpointFileInfo(Path.GetFileName(path), bytes, sha);
    }

    /// <summary>The SHA-256 (lowercase hex) and length of a file on disk.</summary>
    public static (long Bytes, string Sha256) Checksum(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return (stream.Length, Convert.ToHexStringLower(SHA256.HashData(stream)));
    }

    /// <summary>fsync of the folder, so a rename in it is durable (Linux; elsewhere the rename is left to the OS).</summary>
    private static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        int fd = Open(directory, 0x10000 /* O_RDONLY | O_DIRECTORY */);
        if (fd < 0)
        {
            return;
        }
        _ = Fsync(fd);
        _ = Close(fd);
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
