using DistNN.Tensors.Kernels;

namespace DistNN.Tensors.Tests;

/// <summary>Cache sizes as Linux lists them under /sys/devices/system/cpu/cpu0/cache, and the blocks sized from them.</summary>
public sealed class CacheSizesSpec : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "distnn-cache-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public void Data_caches_are_read_per_level_and_a_shared_L3_counts_one_cores_share()
    {
        Index(0, 1, "Data", "48K", "0");
        Index(1, 1, "Instruction", "32K", "0");
        Index(2, 2, "Unified", "1024K", "0");
        Index(3, 3, "Unified", "32768K", "0-7");

        Assert.Equal(new CacheSizes(48 * 1024, 1024 * 1024, 4 * 1024 * 1024), CacheSizes.Read(_folder));
    }

    [Fact]
    public void A_missing_folder_or_unreadable_level_keeps_the_defaults()
    {
        Index(0, 1, "Data", "garbage", "0");

        Assert.Equal(CacheSizes.Default, CacheSizes.Read(_folder));
        Assert.Equal(CacheSizes.Default, CacheSizes.Read(Path.Combine(_folder, "absent")));
    }

    [Fact]
    public void A_16_wide_tile_on_32K_L1_and_512K_L2_gets_the_calibrated_blocks()
    {
        var blocking = GemmBlocking.FromCaches(6, 16, new CacheSizes(32 * 1024, 512 * 1024, 16 * 1024 * 1024));

        Assert.Equal(new GemmBlocking(6, 16, 384, 144, 1024), blocking);
    }

    [Fact]
    public void Blocks_are_whole_tiles_however_odd_the_caches()
    {
        foreach (var caches in new[] { new CacheSizes(24 * 1024, 300 * 1024, 3 * 1024 * 1024), new CacheSizes(64 * 1024, 2048 * 1024, 96 * 1024 * 1024) })
        {
            foreach (var (mr, nr) in new[] { (6, 16), (4, 24), (8, 12), (6, 8) })
            {
                var b = GemmBlocking.FromCaches(mr, nr, caches);
                Assert.True(b.MC % mr == 0 && b.NC % nr == 0 && b.KC % 8 == 0 && b.KC > 0 && b.MC > 0 && b.NC > 0, $"{b} for {caches}");
            }
        }
    }

    private void Index(int index, int level, string type, string size, string shared)
    {
        string folder = Path.Combine(_folder, $"index{index}");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "level"), $"{level}\n");
        File.WriteAllText(Path.Combine(folder, "type"), $"{type}\n");
        File.WriteAllText(Path.Combine(folder, "size"), $"{size}\n");
        File.WriteAllText(Path.Combine(folder, "shared_cpu_list"), $"{shared}\n");
    }
}
