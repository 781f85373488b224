namespace DistNN.Tensors.Kernels;

/// <summary>Per-core data cache sizes in bytes, as Linux reports them for cpu0, or defaults where it does not.</summary>
internal readonly record struct CacheSizes(long L1, long L2, long L3)
{
    /// <summary>What most x86 and ARM server cores have: 32 KB L1d, 512 KB L2, 8 MB L3.</summary>
    public static readonly CacheSizes Default = new(32 * 1024, 512 * 1024, 8 * 1024 * 1024);

    /// <summary>This machine's caches, read once.</summary>
    public static CacheSizes Machine { get; } = Read("/sys/devices/system/cpu/cpu0/cache");

    /// <summary>
    /// Reads index*/level, type and size under <paramref name="folder"/>; a level it cannot read keeps its default.
    /// An L3 shared by several cores counts only one core's share.
    /// </summary>
    public static CacheSizes Read(string folder)
    {
        long l1 = Default.L1, l2 = Default.L2, l3 = Default.L3;
        try
        {
            if (!Directory.Exists(folder))
            {
                return Default;
            }
            foreach (string index in Directory.GetDirectories(folder, "index*"))
            {
                string? type = ReadText(index, "type");
                if (type is null || type == "Instruction" || !int.TryParse(ReadText(index, "level"), out int level))
                {
                    continue;
                }
                long size = ParseSize(ReadText(index, "size"));
                if (size <= 0)
                {
                    continue;
                }
                int sharing = Math.Max(1, CountCpus(ReadText(index, "shared_cpu_list")));
                switch (level)
                {
                    case 1:
                        l1 = size;
                        break;
                    case 2:
                        l2 = size;
                        break;
                    case 3:
                        l3 = Math.Max(size / sharing, l2);
                        break;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return new CacheSizes(l1, l2, l3);
    }

    /// <summary>"32K", "512K", "32768K", "1M" or plain bytes.</summary>
    public static long ParseSize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return -1;
        }
        text = text.Trim();
        long unit = char.ToUpperInvariant(text[^1]) switch
        {
            'K' => 1024,
            'M' => 1024 * 1024,
            'G' => 1024 * 1024 * 1024,
            _ => 1,
        };
        string digits = unit == 1 ? text : text[..^1];
        return long.TryParse(digits, out long value) && value > 0 ? value * unit : -1;
    }

    /// <summary>CPUs in a list such as "0-1,4,6-7".</summary>
    private static int CountCpus(string? list)
    {
        if (string.IsNullOrWhiteSpace(list))
        {
            return 1;
        }
        int count = 0;
        foreach (string range in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] ends = range.Split('-');
            if (ends.Length == 2 && int.TryParse(ends[0], out int first) && int.TryParse(ends[1], out int last) && last >= first)
            {
                count += last - first + 1;
            }
            else if (int.TryParse(range, out _))
            {
                count++;
            }
        }
        return count;
    }

    private static string? ReadText(string folder, string name)
    {
        string path = Path.Combine(folder, name);
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }
}
