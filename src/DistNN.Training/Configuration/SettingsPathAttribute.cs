namespace DistNN.Training.Configuration;

/// <summary>The reference.conf section a settings class reads; each property is the key of its kebab-case name.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class SettingsPathAttribute(string path) : Attribute
{
    public string Path { get; } = path;
}
