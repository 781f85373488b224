namespace DistNN.Transport.DataPlane;

/// <summary>
/// This process's kernel boot and view of the filesystem (Linux: the boot id and the mount namespace): two processes
/// with the same identity see the same files, so one reaches the other's Unix domain socket by its path. Null where it
/// cannot be told (not Linux, /proc unreadable): then no local socket is announced.
/// </summary>
public static class HostIdentity
{
    public static string? Current { get; } = Read();

    private static string? Read()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        try
        {
            string boot = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
            string mounts = new string((new FileInfo("/proc/self/ns/mnt").LinkTarget ?? "").Where(char.IsAsciiDigit).ToArray());
            return boot.Length == 0 || mounts.Length == 0 ? null : $"{boot}/{mounts}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
